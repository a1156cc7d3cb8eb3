from django.db import models
from django.urls import reverse


class ActionLineManager(models.Manager):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class ActionLine(models.Model):
    """One of the five action lines (actielijnen) of the NAP."""

    number = models.PositiveSmallIntegerField("nummer", unique=True)
    title = models.CharField("titel", max_length=300)
    slug = models.SlugField("slug", max_length=80, unique=True)
    description = models.TextField("beschrijving", blank=True)

    objects = ActionLineManager()

    class Meta:
        ordering = ["number"]
        verbose_name = "actielijn"
        verbose_name_plural = "actielijnen"

    def __str__(self) -> str:
        return f"Actielijn {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("actionlines:detail", kwargs={"number": self.number})

    def natural_key(self):
        return (self.number,)
