# The attack tests make and sign in members all the time; passwords are not what they test, and
# the production hasher would be most of their run time. tests/security/conftest.py uses this.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
