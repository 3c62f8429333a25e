"""The shared core: people, the province's administrative units and its agencies."""

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cthainguyen.phones import normalize_phone
from cthainguyen.text import fold, nfc, vietnamese_sort_key


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        email = self.normalize_email(email) or None
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: a citizen, or staff when is_staff is set."""

    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("International format, for example +84912345678."),
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    home_ward = models.ForeignKey(
        "cthainguyen.Ward",
        verbose_name=_("home ward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    def clean(self):
        super().clean()
        self.full_name = nfc(self.full_name.strip())
        self.email = self.__class__.objects.normalize_email(self.email) or None
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValueError:
                raise ValidationError(
                    {"phone": _("Enter a valid phone number, for example 0912345678.")}
                ) from None
        else:
            self.phone = None

    def save(self, *args, **kwargs):
        # Blank strings would collide on the unique columns; absent means NULL.
        self.email = (self.email or "").strip().lower() or None
        self.phone = self.phone or None
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[-1] if self.full_name else ""


class Ward(models.Model):
    """A commune-level unit (phường or xã) of the province, after the 2025 reform."""

    class Kind(models.TextChoices):
        WARD = "phuong", _("ward")
        COMMUNE = "xa", _("commune")

    code = models.CharField(_("official code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name = _("ward or commune")
        verbose_name_plural = _("wards and communes")
        ordering = ["sort_key"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.sort_key = collation_key(self.name)
        super().save(*args, **kwargs)


def collation_key(value):
    """Return a string that sorts in Vietnamese order under a plain byte collation."""
    letters, tones = vietnamese_sort_key(value)
    head = "".join(f"{rank:02d}{code:05d}" for rank, code in letters)
    return (head + "|" + "".join(str(tone) for tone in tones))[:200]


class Agency(models.Model):
    """A handling agency (đơn vị xử lý) that receives and answers reports."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    ward = models.ForeignKey(
        Ward,
        verbose_name=_("ward served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leave empty for an agency that serves the whole province."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_key = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["sort_key"]

    def __str__(self):
        return self.short_name or self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name.strip())
        self.short_name = nfc(self.short_name.strip())
        self.sort_key = collation_key(self.name)
        super().save(*args, **kwargs)


class StaffProfile(models.Model):
    """What a staff member acts for: an agency for officers, a ward for officials."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="staff_profile"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    ward = models.ForeignKey(
        Ward, verbose_name=_("commune"), null=True, blank=True, on_delete=models.PROTECT
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


def search_text(*parts):
    """Join the parts into the folded text that search compares against."""
    return fold(" ".join(part for part in parts if part))


class Notification(models.Model):
    """One message to one recipient over one channel: a row of the outbox.

    The domain function writes it in its own transaction, already rendered, so the
    message exists exactly when the change does; a task sends it later (see
    cthainguyen/notifications.py for the delivery guarantees).
    """

    class Channel(models.TextChoices):
        EMAIL = "email"
        INBOX = "inbox"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    # What the row is about, unique: event × recipient × channel, or one digest.
    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by beat's sweep, so that a row waiting behind a long queue is not queued
    # again every minute.
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # Beat's sweep looks only at the few rows not yet sent.
            models.Index(
                fields=["status", "created_at"],
                name="notification_unsent",
                condition=models.Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self):
        return f"{self.key} ({self.status})"


class InboxMessage(models.Model):
    """A message in a person's in-site inbox (/inbox/), for those without email too."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    # One message per outbox row, enforced by the database as well.
    notification = models.OneToOneField(
        Notification,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbox_message",
    )
    subject = models.CharField(max_length=255)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "-id"], name="inbox_newest"),
            models.Index(
                fields=["user"],
                name="inbox_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.subject
