from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    # The label these models had when they lived in the project package. Keeping it keeps
    # the tables, the migration history, AUTH_USER_MODEL ("etoile_app.User") and the admin's
    # addresses (/admin/etoile_app/user/) exactly as existing databases and staff know them.
    label = "etoile_app"
    verbose_name = _("Members and site")

    def ready(self) -> None:
        from django.urls import register_converter

        from kernel import pagecache
        from members import regions  # noqa: F401 (the follow forms register themselves)
        from members.converters import HandleConverter
        from members.models import SIGNED_IN_EXTRAS, Block, Follow, Mute, User, signed_in_group
        from members.pagegroups import member_group_of
        from members.relations import SIGNED_IN_HIDES, hides_anyone_on_member_row

        # <handle:handle> in the URLconfs of the apps above (profile, diary, feed).
        register_converter(HandleConverter, "handle")
        # Whether anyone is hidden from the member, with their row (community/activity.py).
        SIGNED_IN_EXTRAS[SIGNED_IN_HIDES] = hides_anyone_on_member_row

        # A member's name, handle, avatar and standing show beside everything they wrote,
        # and on their own pages. A sign-in (last_login), a new password or a new session
        # generation alone change nothing a visitor sees; groups and permissions neither.
        # AccessToken shows on no page a visitor sees.
        pagecache.shows_on(
            User,
            groups=["members"],
            ignore_fields={
                "last_login",
                "password",
                "session_generation",
                "groups",
                "user_permissions",
            },
        )

        # A follow shows on both members' pages: the counts on their profiles, the lists of
        # followers and following, their public activity feeds. Blocks and mutes show on no
        # page a visitor sees (a block's follows are deleted one by one, which marks them),
        # only on the settings page of who made them, kept under their group, and on the
        # activity page of both members of a block (neither sees the other's activity,
        # replies to the other included), kept per reader under theirs (community/views.py).
        pagecache.shows_on(
            Follow,
            groups=lambda follow: (
                member_group_of(follow, "follower") | member_group_of(follow, "followed")
            ),
        )
        pagecache.shows_on(
            Block,
            groups=lambda block: (
                member_group_of(block, "blocker") | member_group_of(block, "blocked")
            ),
        )
        pagecache.shows_on(Mute, groups=lambda mute: member_group_of(mute, "muter"))

        # What the member's own row holds, kept for their requests under signed_in_group
        # (SIGNED_IN_ROW_SECONDS): every field of it (a new password or session generation
        # must end other sessions at their next request), and whether a block either way or
        # a mute of theirs hides anyone (hides_anyone_on_member_row).
        def signed_in_changed(members_of):
            def receiver(sender, instance, **kwargs):
                pagecache.changed(*map(signed_in_group, members_of(instance)))

            return receiver

        for model, members_of in (
            (User, lambda member: [member.pk]),
            (Block, lambda block: [block.blocker_id, block.blocked_id]),
            (Mute, lambda mute: [mute.muter_id]),
        ):
            receiver = signed_in_changed(members_of)
            uid = f"members.signed_in.{model.__name__}"
            post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
            post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
