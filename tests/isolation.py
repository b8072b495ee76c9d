"""The isolation check every page and endpoint gets: outsiders see nothing, not even a 403."""

from django.contrib.auth.models import AbstractBaseUser
from django.test import Client


def assert_hidden_from(
    user: AbstractBaseUser,
    url: str,
    *,
    method: str = "get",
    data: dict | None = None,
    api_key: str | None = None,
) -> None:
    """Assert that `user` (or the API key) gets 404 for `url`, which belongs to someone else."""
    client = Client()
    headers = {}
    if api_key is not None:
        headers["Authorization"] = f"Api-Key {api_key}"
    else:
        client.force_login(user)
    response = getattr(client, method)(url, data=data or {}, headers=headers)
    assert response.status_code == 404, (
        f"{user if api_key is None else 'API key'} got {response.status_code} for {method.upper()} "
        f"{url}; another tenant's or firm's data must answer 404."
    )


def assert_visible_to(user: AbstractBaseUser, url: str) -> None:
    """The positive control: the owner does get the page, so a 404 above means isolation."""
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, f"{user} got {response.status_code} for their own {url}"
