import copy
import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections, models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from kernel import pagecache
from kernel.images import RenditionSpec
from kernel.prepared import Prepared

HANDLE_MAX_LENGTH = 30
DISPLAY_NAME_MAX_LENGTH = 60
BIO_MAX_LENGTH = 500
RESERVED_HANDLES = frozenset(
    {"admin", "me", "api", "accounts", "settings", "static", "media", "etoile", "staff", "support"}
)

handle_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    _("Use lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
)


def validate_handle_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_HANDLES:
        raise ValidationError(_("This handle is reserved."), code="reserved")


def new_member_handle() -> str:
    """A starting handle that says nothing about the member: built from their email it would
    publish most of the address on their profile and beside every review. Members choose
    their own in their settings."""
    return f"member-{secrets.token_hex(4)}"


def handle_from_name(name: str) -> str:
    """A first handle made from the name the member chose to show ("Odette Dupré" gives
    "odette-dupre"), with a short random tail when it is taken or reserved; a name with no
    Latin letter or digit gets a neutral one."""
    base = slugify(name).replace("_", "-")[: HANDLE_MAX_LENGTH - 5].strip("-")
    if not base:
        return new_member_handle()
    handle = base
    while handle in RESERVED_HANDLES or User.objects.filter(handle__iexact=handle).exists():
        handle = f"{base}-{secrets.token_hex(2)}"
    return handle


def handle_from_email(email: str) -> str:
    """A handle from an address's local part, without any "+tag" ("ops.team+etoile@…" gives
    "ops-team"), through handle_from_name's checks (reserved, taken, no usable letter)."""
    local = (email or "").rpartition("@")[0] or (email or "")
    return handle_from_name(local.split("+")[0].replace(".", " ").replace("_", " "))


_USER_BY_PK = None  # kernel.prepared.Prepared, made on first use
_USER_FIELDS: list[str] = []

# What apps above this one read of the signed-in member on every page, read with the member's
# row in Django's authentication query rather than in a query of its own: name -> a function
# giving an expression on the user row (notifications: the header's unread count). Each is set
# on the member as an attribute of that name. Registered in the apps' AppConfig.ready(), before
# the first request.
SIGNED_IN_EXTRAS: dict = {}


def signed_in_group(pk: int) -> str:
    """The page group (kernel.pagecache) of what the member's row holds, SIGNED_IN_EXTRAS
    included: where SIGNED_IN_ROW_SECONDS keeps the row read for their requests (in each
    process, under the group's version), every change to it marks this group. Those are
    saves and deletions of the member and of their notifications, blocks and mutes (each
    app's ready()), and the writes that send no signal (`update()`), each where it is made."""
    return f"signed-in:{pk}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get(self, *args, **kwargs):
        """Django's authentication reads the signed-in member with `get(pk=…)` on every
        request (ModelBackend.get_user, which allauth's backend inherits): that one form is
        read with a query compiled once (kernel/prepared.py) where building and compiling it
        cost a third of a member's bare request, with SIGNED_IN_EXTRAS; and outside a
        transaction, where SIGNED_IN_ROW_SECONDS is set, kept in the process for the version
        of signed_in_group(pk), so that a member's page the skeletons serve asks the database
        nothing. Any other call, and any manager made from this one (related managers
        filter), asks as usual."""
        if type(self) is UserManager and not args and kwargs.keys() == {"pk"}:
            pk = kwargs["pk"]
            if type(pk) is int:
                return self._by_pk(pk)
        return super().get(*args, **kwargs)

    def _by_pk(self, pk: int) -> "User":
        global _USER_BY_PK, _USER_FIELDS
        if _USER_BY_PK is None:
            _USER_FIELDS = [field.attname for field in self.model._meta.concrete_fields]
            _USER_BY_PK = Prepared(
                lambda pk: (
                    self.model._base_manager.filter(pk=pk)
                    .annotate(**{name: extra() for name, extra in SIGNED_IN_EXTRAS.items()})
                    .values(*_USER_FIELDS, *SIGNED_IN_EXTRAS)
                )
            )
        seconds = settings.SIGNED_IN_ROW_SECONDS
        if seconds and not connections[self.db].in_atomic_block:
            # Outside a transaction, where what is read is what was committed: the row as of
            # its group's version, which every change to what it holds moves at its commit.
            rows = pagecache.kept_for_current_version(
                signed_in_group(pk),
                ("signed-in row", self.db),
                lambda: _USER_BY_PK.rows(using=self.db, pk=pk),
                seconds=seconds,
            )
        else:
            rows = _USER_BY_PK.rows(using=self.db, pk=pk)
        if not rows:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        row = rows[0]
        # The row may be kept and shared between requests: a dict (avatar_renditions) is
        # each member object's own copy.
        member = self.model.from_db(
            self.db,
            _USER_FIELDS,
            [
                copy.deepcopy(v) if isinstance(v, dict | list) else v
                for v in map(row.get, _USER_FIELDS)
            ],
        )
        for name in SIGNED_IN_EXTRAS:
            setattr(member, name, row[name])
        return member

    def get_by_natural_key(self, email: str) -> "User":
        # Members sign in with their email in any letter case.
        return self.get(email__iexact=email)

    def _create(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("A member needs an email address.")
        email = self.normalize_email(email).lower()
        extra.setdefault("handle", new_member_handle())
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        # An administrator made at the command line names themselves to colleagues in the
        # staff history and audit trail: a handle from the address's local part (they can
        # change it in their settings), not an anonymous "member-…" one.
        extra.setdefault("handle", handle_from_email(email))
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A member. Email is how members sign in; the handle names their public profile."""

    email = models.EmailField(_("email address"), unique=True)
    handle = models.CharField(
        _("handle"),
        max_length=HANDLE_MAX_LENGTH,
        unique=True,
        validators=[handle_validator, validate_handle_not_reserved],
        help_text=_("Your profile address: lowercase letters, digits and hyphens."),
    )
    display_name = models.CharField(
        _("display name"), max_length=DISPLAY_NAME_MAX_LENGTH, blank=True
    )
    bio = models.TextField(_("bio"), max_length=BIO_MAX_LENGTH, blank=True)
    hide_unwatched = models.BooleanField(
        _("hide ratings and reviews of episodes I have not watched"),
        default=False,
        help_text=_("Until you mark an episode watched, its scores and reviews stay hidden."),
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    avatar_renditions = models.JSONField(default=dict, blank=True, editable=False)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can sign in to the admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive members cannot sign in and their reviews are hidden."),
    )
    # Set by a moderator's suspension (reviews.moderation), cleared on reinstatement; it tells
    # a suspension apart from an account switched off for another reason.
    suspended_at = models.DateTimeField(_("suspended since"), null=True, blank=True, editable=False)
    # When a suspension with an end ends by itself (reviews.moderation.end_due_suspensions, run
    # at the member's sign-in and by `manage.py end_suspensions`); empty: until a moderator
    # reinstates them.
    suspended_until = models.DateTimeField(
        _("suspended until"), null=True, blank=True, editable=False
    )
    # What the site writes to the member in (emails) and the admin speaks to staff: the
    # language they signed up in, then the one they last chose (header link or settings).
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The language of the site's emails to this member, and of the admin for staff."
        ),
    )
    # Raised by each suspension: the sessions signed in before it stay ended, even after
    # reinstatement (see _get_session_auth_hash).
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    date_joined = models.DateTimeField(_("member since"), default=timezone.now)

    def _get_session_auth_hash(self, secret=None):
        # Django keeps a session only while the hash stored in it matches this one. Mixing in
        # the generation ends every older session; at generation 0 it is Django's own hash,
        # so introducing it signed nobody out.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "etoile_app.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    AVATAR = RenditionSpec(field="avatar", widths=(48, 96, 192), ratio=(1, 1))

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        # Email and handle are unique regardless of case, in the database: one unique index
        # each (unique=True, which `handle=...` look-ups use) and a CHECK that keeps the column
        # lowercase, so two spellings of one address cannot both be stored. The manager and
        # clean() lowercase on the way in; a raw write in another case is refused.
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
            models.CheckConstraint(
                condition=Q(handle=Lower("handle")), name="user_handle_lowercase"
            ),
            # A suspended member cannot sign in; an end belongs to a suspension, after it.
            models.CheckConstraint(
                condition=Q(suspended_at__isnull=True) | Q(is_active=False),
                name="user_suspended_is_inactive",
            ),
            models.CheckConstraint(
                condition=Q(suspended_until__isnull=True)
                | Q(suspended_at__isnull=False, suspended_until__gt=F("suspended_at")),
                name="user_suspension_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="user_known_language",
            ),
        ]

    def __str__(self) -> str:
        return self.public_name

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        self.handle = self.handle.lower()

    def get_absolute_url(self) -> str:
        return reverse("profile", kwargs={"handle": self.handle})

    @property
    def public_name(self) -> str:
        return self.display_name or self.handle

    def get_full_name(self) -> str:
        return self.public_name

    def get_short_name(self) -> str:
        return self.public_name

    @property
    def staff_label(self) -> str:
        """How the admin names a staff member to colleagues (history, audit trail): the name
        they show and their handle, never the email address moderators may not see."""
        if self.display_name:
            return f"{self.display_name} (@{self.handle})"
        return f"@{self.handle}"


ACCESS_TOKEN_PREFIX = "etoile_"  # noqa: S105 (a marker for secret scanners, not a secret)
ACCESS_TOKENS_PER_MEMBER = 20


def access_token_digest(raw: str) -> str:
    """What is stored of a token: its SHA-256. A token is 256 random bits, so a fast hash is
    enough (no password-style stretching), and a stolen database gives no usable token."""
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    """What a token lets a program do. Read only unless the member chooses otherwise: a token
    made to read one's ratings could delete them all (issue 18)."""

    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class AccessTokenQuerySet(models.QuerySet):
    def create_for(
        self, member: "User", name: str, *, scope: str = TokenScope.READ
    ) -> tuple["AccessToken", str]:
        """A new token and its secret, which is shown once and never stored."""
        raw = ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = self.create(
            member=member,
            name=name,
            scope=scope,
            digest=access_token_digest(raw),
            hint=raw[len(ACCESS_TOKEN_PREFIX) : len(ACCESS_TOKEN_PREFIX) + 4],
        )
        return token, raw

    def matching(self, raw: str):
        return self.filter(digest=access_token_digest(raw))


class AccessToken(models.Model):
    """A personal access token: lets a program use the API as its member."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=60)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters after the prefix, so the member can tell their tokens apart.
    hint = models.CharField(max_length=4, editable=False)
    # Tokens made before scopes existed could write, and keep doing so: migration 0008 gave
    # them READ_WRITE. New ones are read only unless the member asks for more.
    scope = models.CharField(
        _("access"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "name"], name="access_token_unique_name"),
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="access_token_known_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({ACCESS_TOKEN_PREFIX}{self.hint}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE


class HistoryVisit(models.Model):
    """When a staff member last opened the site-wide staff history, for its "since my last
    visit" filter. Openings less than VISIT_GAP apart are one visit, so that filter stays put
    while they page and filter through the list."""

    VISIT_GAP = timedelta(minutes=30)

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="history_visit"
    )
    seen_at = models.DateTimeField()
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.staff_id} {self.seen_at:%Y-%m-%d %H:%M}"

    @classmethod
    def last_visit(cls, staff: "User", now=None) -> "datetime | None":
        """What the staff member's next opening of the history will take as their last visit."""
        now = now or timezone.now()
        visit = cls.objects.filter(staff=staff).first()
        if visit is None:
            return None
        return visit.seen_at if now - visit.seen_at > cls.VISIT_GAP else visit.previous_seen_at

    @classmethod
    def record(cls, staff: "User", now=None) -> "datetime | None":
        """Note this opening; the end of the staff member's previous visit (None at the first)."""
        now = now or timezone.now()
        visit, created = cls.objects.get_or_create(staff=staff, defaults={"seen_at": now})
        if created:
            return None
        if now - visit.seen_at > cls.VISIT_GAP:
            visit.previous_seen_at = visit.seen_at
        visit.seen_at = now
        visit.save(update_fields=["seen_at", "previous_seen_at"])
        return visit.previous_seen_at


# Relations between members: follows, blocks and mutes --------------------------------------
# members/relations.py reads them; members/services.py writes them. Each pair at most once and
# never oneself, in the database. Both directions are indexed: the unique constraint serves
# "whom does X follow" (follower first), the index "who follows X" (followed first), each
# newest first for the lists and the activity page.


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="following_set",
        verbose_name=_("follower"),
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="follower_set",
        verbose_name=_("followed member"),
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once_per_pair"),
            models.CheckConstraint(condition=~Q(follower=F("followed")), name="follow_not_oneself"),
        ]
        indexes = [
            models.Index(fields=["followed", "-created_at"], name="follow_followed_newest"),
            models.Index(fields=["follower", "-created_at", "-id"], name="follow_follower_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocks_made",
        verbose_name=_("blocked by"),
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="blocks_received",
        verbose_name=_("blocked member"),
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_oneself"),
        ]
        indexes = [models.Index(fields=["blocked"], name="block_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    muter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mutes_made",
        verbose_name=_("muted by"),
    )
    muted = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mutes_received",
        verbose_name=_("muted member"),
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_once_per_pair"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="mute_not_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"
