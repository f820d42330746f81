"""gunicorn's settings for `make serve` and for deployments: `gunicorn -c gunicorn.conf.py`
(gunicorn also reads this file by itself when started from this folder).

gunicorn trusts "X-Forwarded-Proto: https" (and X-Forwarded-Ssl, X-Forwarded-Protocol) from
127.0.0.1 and ::1 by default, and then tells Django the request came over https; it also
takes SCRIPT_NAME and PATH_INFO headers from them. Anyone who can reach the server from the
machine itself could so make the site print https:// (or another path prefix) in the pages
the visitors' cache keeps. Django alone decides the scheme: from X-Forwarded-Proto only when
DJANGO_BEHIND_PROXY sets SECURE_PROXY_SSL_HEADER, whose proxy must overwrite the header
(docs/DEPLOY.md). So gunicorn trusts no peer's forwarding headers, whatever
FORWARDED_ALLOW_IPS says. (Connections over a Unix socket have no address and gunicorn
trusts them regardless: the empty scheme headers below keep the scheme out of its hands
there too.)
"""

forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""
