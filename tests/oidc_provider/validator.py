"""The claims our provider puts in ID tokens and the userinfo answer: email and name, as
Entra ID, Google and Okta do for the ``email`` and ``profile`` scopes."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class EmailClaims(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {"email": user.email, "email_verified": True, "name": user.get_full_name()}
