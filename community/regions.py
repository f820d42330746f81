"""The signed-in member's newest activity on the home page: a live region
(kernel/memberpages.py), rendered for each request into the page's skeleton."""

from kernel.memberpages import region

region("home-activity", live=True)
