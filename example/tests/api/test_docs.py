# Managed by relaykit: "copier update" merges the template's changes into this file.
"""The docs are served offline: every page and asset comes from the service itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from relay_service import create_app
from relay_service.about import SERVICE_ROUTES_PREFIX
from relay_service.settings import Settings


class LinkCollector(HTMLParser):
    """Collects every URL a page makes the browser load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append(value)


def page_urls(html: str) -> list[str]:
    collector = LinkCollector()
    collector.feed(html)
    return collector.urls


@pytest.mark.parametrize(
    "page", [f"{SERVICE_ROUTES_PREFIX}/docs", f"{SERVICE_ROUTES_PREFIX}/redoc"]
)
def test_docs_page_loads_nothing_from_outside_the_service(client: Any, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    urls = page_urls(response.get_data(as_text=True))
    assert urls, "the page loads its assets"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme, f"{page} loads {url} from outside"
        assert not parts.netloc, f"{page} loads {url} from outside"
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            assert len(asset.data) > 0, url


def test_swagger_ui_is_version_5_and_calls_no_validator(client: Any) -> None:
    page = client.get(f"{SERVICE_ROUTES_PREFIX}/docs").get_data(as_text=True)
    assert '"validatorUrl": null' in page
    with client.get(
        f"{SERVICE_ROUTES_PREFIX}/docs/assets/swagger-ui/swagger-ui-bundle.js"
    ) as bundle:
        assert bundle.status_code == 200
        assert re.search(r'PACKAGE_VERSION:"5\.\d+\.\d+"', bundle.get_data(as_text=True))


def test_openapi_json_is_served(client: Any, app: Any) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/openapi.json")
    assert response.status_code == 200
    assert (
        response.get_json() == app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    )


def test_a_missing_asset_is_a_404_problem(client: Any) -> None:
    response = client.get(f"{SERVICE_ROUTES_PREFIX}/docs/assets/no-such-file.js")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_docs_can_be_switched_off(make_client: Callable[..., Any]) -> None:
    client = make_client(create_app(Settings(docs_enabled=False)))
    for path in (
        f"{SERVICE_ROUTES_PREFIX}/docs",
        f"{SERVICE_ROUTES_PREFIX}/redoc",
        f"{SERVICE_ROUTES_PREFIX}/docs/assets/redoc/redoc.standalone.js",
    ):
        # 405 where an imported operation has another method on the same path.
        assert client.get(path).status_code in (404, 405), path
    assert client.get(f"{SERVICE_ROUTES_PREFIX}/openapi.json").status_code == 200
