"""The house style of the report's documents (Word now, the PDF later): one place to read it.

The values come from the environment through ``napsite/settings.py`` (NAP_HOUSE_*), which
refuses a malformed colour or a missing file at start-up. The default is sober and
Rijkshuisstijl-like on purpose, but not branded as any real ministry: no logo, a neutral
organisation name, free fonts.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Free fonts first; what a browser or WeasyPrint falls back to when the house font is absent.
CSS_FONT_FALLBACKS = ("Arial", "Helvetica", "sans-serif")


@dataclass(frozen=True)
class HouseStyle:
    organisation: str
    logo: Path | None
    primary_colour: str  # "#154273"
    font: str

    @property
    def primary_rgb(self) -> tuple[int, int, int]:
        value = self.primary_colour.lstrip("#")
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)

    @property
    def css_font_family(self) -> str:
        """The font as a CSS font-family list, with free fallbacks."""
        families = [f'"{self.font}"', *(f for f in CSS_FONT_FALLBACKS if f != self.font)]
        return ", ".join(families)


def house_style() -> HouseStyle:
    """The configured house style, read when called (so tests and workers see overrides)."""
    logo = settings.NAP_HOUSE_LOGO
    return HouseStyle(
        organisation=settings.NAP_HOUSE_ORGANISATION,
        logo=Path(logo) if logo else None,
        primary_colour=settings.NAP_HOUSE_PRIMARY_COLOUR,
        font=settings.NAP_HOUSE_FONT,
    )
