"""Update rounds, their requests and mails; who may do what with them; the daily round job."""

from datetime import datetime, time, timedelta

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from measures.roles import COORDINATOR, MINISTRY_STAFF, grant_permissions

# Coordinators open and close rounds and follow every request and mail. Ministry staff see the
# rounds and their own requests (the admin narrows them; answering needs the right to edit the
# activity). Everyone keeps their own mail preference.
COORDINATOR_PERMISSIONS = [
    "reporting.add_updateround",
    "reporting.change_updateround",
    "reporting.view_updateround",
    "reporting.view_updaterequest",
    "reporting.change_updaterequest",
    "reporting.view_sentmail",
    "reporting.view_mailpreference",
    "reporting.change_mailpreference",
]
STAFF_PERMISSIONS = [
    "reporting.view_updateround",
    "reporting.view_updaterequest",
    "reporting.change_updaterequest",
    "reporting.view_mailpreference",
    "reporting.change_mailpreference",
]

DAILY_JOB = "Uitvraag: herinneringen en dagelijks overzicht"


def grant_round_permissions(apps, schema_editor):
    grant_permissions(apps, COORDINATOR, COORDINATOR_PERMISSIONS)
    grant_permissions(apps, MINISTRY_STAFF, STAFF_PERMISSIONS)


def plan_daily_job(apps, schema_editor):
    """Every morning at 07:00: reminders, notices after the deadline, the digest. Looked up
    by name, so it is never planned twice."""
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    Schedule.objects.get_or_create(
        name=DAILY_JOB,
        defaults={
            "func": "reporting.rounds.jobs.daily",
            "schedule_type": "D",  # Schedule.DAILY
            "repeats": -1,  # for ever
            "next_run": timezone.make_aware(datetime.combine(tomorrow, time(7, 0))),
        },
    )


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0007_proposal'),
        ('django_q', '0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more'),
        ('reporting', '0004_progressreport_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MailPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('daily_digest', models.BooleanField(default=True, help_text='Alleen voor coördinatoren: elke ochtend de antwoorden van de vorige dag.', verbose_name='dagelijks overzicht van nieuwe antwoorden')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='round_mail_preference', to=settings.AUTH_USER_MODEL, verbose_name='gebruiker')),
            ],
            options={
                'verbose_name': 'e-mailvoorkeur',
                'verbose_name_plural': 'e-mailvoorkeuren',
            },
        ),
        migrations.CreateModel(
            name='UpdateRound',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(help_text="Bijvoorbeeld 'Uitvraag 2026-1'.", max_length=200, verbose_name='titel')),
                ('reference_date', models.DateField(help_text='De ministeries geven de stand van zaken per deze datum.', verbose_name='peildatum')),
                ('deadline', models.DateField(help_text='Tot en met deze dag kan men antwoorden.', verbose_name='uiterste datum')),
                ('introduction', models.TextField(blank=True, help_text='Komt in de e-mail waarmee de ronde opent.', verbose_name='toelichting')),
                ('state', models.CharField(choices=[('open', 'Open'), ('gesloten', 'Gesloten')], default='open', max_length=20, verbose_name='status')),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='geopend op')),
                ('closed_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='gesloten op')),
                ('closed_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='gesloten door')),
                ('opened_by', models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='geopend door')),
            ],
            options={
                'verbose_name': 'uitvraag',
                'verbose_name_plural': 'uitvragen',
                'ordering': ['-opened_at'],
            },
        ),
        migrations.CreateModel(
            name='UpdateRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('open', 'Open'), ('ingediend', 'Ingediend'), ('goedgekeurd', 'Goedgekeurd'), ('teruggestuurd', 'Teruggestuurd')], default='open', max_length=20, verbose_name='status')),
                ('answer', models.CharField(blank=True, choices=[('gewijzigd', 'Gewijzigd'), ('ongewijzigd', 'Ongewijzigd')], max_length=20, verbose_name='antwoord')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='ingediend op')),
                ('comment', models.TextField(blank=True, help_text='Waarom het antwoord is teruggestuurd.', verbose_name='opmerking coördinator')),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='update_requests', to='measures.activity', verbose_name='activiteit')),
                ('proposal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='update_requests', to='measures.proposal', verbose_name='voorstel')),
                ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='ingediend door')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='requests', to='reporting.updateround', verbose_name='uitvraag')),
            ],
            options={
                'verbose_name': 'verzoek',
                'verbose_name_plural': 'verzoeken',
                'ordering': ['activity__action_line__number', 'activity__position'],
            },
        ),
        migrations.CreateModel(
            name='SentMail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True, verbose_name='sleutel')),
                ('kind', models.CharField(choices=[('geopend', 'Uitvraag geopend'), ('herinnering', 'Herinnering'), ('verlopen', 'Termijn verstreken'), ('teruggestuurd', 'Teruggestuurd'), ('overzicht', 'Dagelijks overzicht')], max_length=20, verbose_name='soort')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='verstuurd op')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='aan')),
                ('request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='reporting.updaterequest', verbose_name='verzoek')),
                ('round', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='reporting.updateround', verbose_name='uitvraag')),
            ],
            options={
                'verbose_name': 'verstuurde e-mail',
                'verbose_name_plural': 'verstuurde e-mails',
                'ordering': ['-sent_at'],
            },
        ),
        migrations.AddConstraint(
            model_name='updateround',
            constraint=models.CheckConstraint(condition=models.Q(('deadline__gte', models.F('reference_date'))), name='round_deadline_not_before_reference_date', violation_error_message='De uiterste datum ligt vóór de peildatum.'),
        ),
        migrations.AddIndex(
            model_name='updaterequest',
            index=models.Index(fields=['round', 'state'], name='request_round_state'),
        ),
        migrations.AddConstraint(
            model_name='updaterequest',
            constraint=models.UniqueConstraint(fields=('round', 'activity'), name='request_once_per_round'),
        ),
        migrations.RunPython(grant_round_permissions, migrations.RunPython.noop),
        migrations.RunPython(plan_daily_job, migrations.RunPython.noop),
    ]
