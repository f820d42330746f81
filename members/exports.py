"""A member's account in their data export (etoile_app/exports.py): one list of flat rows
per section."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from members.models import ACCESS_TOKEN_PREFIX, Block, Follow, Mute, User


def profile_rows(member: User) -> list[dict]:
    return [
        {
            "email": member.email,
            "handle": member.handle,
            "display_name": member.display_name,
            "bio": member.bio,
            "member_since": member.date_joined.isoformat(),
            "last_sign_in": member.last_login.isoformat() if member.last_login else "",
            "has_avatar": bool(member.avatar),
        }
    ]


def email_rows(member: User) -> list[dict]:
    return [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=member).order_by("email")
    ]


def two_factor_rows(member: User) -> list[dict]:
    # The kinds and dates only: secrets and recovery codes never leave the site.
    return [
        {
            "type": authenticator.type,
            "created_at": authenticator.created_at.isoformat(),
            "last_used_at": authenticator.last_used_at.isoformat()
            if authenticator.last_used_at
            else "",
        }
        for authenticator in Authenticator.objects.filter(user=member).order_by("created_at")
    ]


def access_token_rows(member: User) -> list[dict]:
    # What the tokens page shows: the name, the first letters and what the token may do, so
    # the member can see which programs can change their data. Never the digest.
    return [
        {
            "name": token.name,
            "starts_with": f"{ACCESS_TOKEN_PREFIX}{token.hint}",
            "scope": token.scope,
            "created_at": token.created_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else "",
        }
        for token in member.access_tokens.order_by("created_at", "pk")
    ]


def relation_rows(member: User) -> dict[str, list[dict]]:
    """The relations the member made: whom they follow, block and mute, by handle. Who
    follows them is the followers' own choice, in the followers' exports (and listed on the
    member's profile)."""

    def rows(model, mine: str, other: str) -> list[dict]:
        made = model.objects.filter(**{mine: member}).select_related(other)
        return [
            {"handle": getattr(row, other).handle, "since": row.created_at.isoformat()}
            for row in made.order_by("created_at", "pk")
        ]

    return {
        "following": rows(Follow, "follower", "followed"),
        "blocked": rows(Block, "blocker", "blocked"),
        "muted": rows(Mute, "muter", "muted"),
    }


# Each section's columns, so that its CSV file has its header row even with no rows.
COLUMNS = {
    "profile": [
        "email",
        "handle",
        "display_name",
        "bio",
        "member_since",
        "last_sign_in",
        "has_avatar",
    ],
    "email_addresses": ["email", "verified", "primary"],
    "two_factor_methods": ["type", "created_at", "last_used_at"],
    "access_tokens": ["name", "starts_with", "scope", "created_at", "last_used_at"],
    "following": ["handle", "since"],
    "blocked": ["handle", "since"],
    "muted": ["handle", "since"],
}


def export_sections(member: User) -> dict[str, list[dict]]:
    return {
        "profile": profile_rows(member),
        "email_addresses": email_rows(member),
        "two_factor_methods": two_factor_rows(member),
        "access_tokens": access_token_rows(member),
        **relation_rows(member),
    }
