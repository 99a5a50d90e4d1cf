"""Credentials chosen as the azure-native provider chooses them (vnet2vnet.azure_auth), and each route built and
used against stand-ins: a local HTTPS Entra ID token endpoint with a throwaway CA, a GitHub-style ID token
endpoint, an App Service managed identity endpoint, and an `az` executable on PATH."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import os
import ssl
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import AzureAuthorityHosts
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from vnet2vnet.azure_auth import (
    AZURE_NATIVE_SETTINGS,
    DEFAULT_OIDC_AUDIENCE,
    SETTINGS_BY_KEY,
    AuthChoice,
    AuthConfigError,
    authority_host,
    build_credential,
    choose_auth,
    cli_account,
    cloud_by_name,
    explicit_provider_config,
    for_subscription,
    management_endpoint,
    settings_markdown,
)

SUB, TENANT, CLIENT = "sub-1111", "tenant-1111", "client-1111"
SP_ENV = {"ARM_SUBSCRIPTION_ID": SUB, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_ID": CLIENT}
SP_CONFIG = {"azure-native:subscriptionId": SUB, "azure-native:tenantId": TENANT, "azure-native:clientId": CLIENT}
ARM_SCOPE = "https://management.azure.com/.default"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


# --- choose_auth: the pure choice --------------------------------------------------------------------------------

ROUTES: list[tuple[str, dict[str, str], dict[str, str], str, str]] = [
    # (case, stack config, environment, method, selected_by)
    ("nothing set: az login", {}, {}, "cli", ""),
    ("az login with tenant and subscription", {}, {"ARM_TENANT_ID": TENANT, "ARM_SUBSCRIPTION_ID": SUB}, "cli", ""),
    (
        "default credential from env",
        {},
        {"ARM_USE_DEFAULT_AZURE_CREDENTIAL": "true", "ARM_SUBSCRIPTION_ID": SUB},
        "default",
        "ARM_USE_DEFAULT_AZURE_CREDENTIAL",
    ),
    (
        "default credential from config",
        {"azure-native:useDefaultAzureCredential": "true", "azure-native:subscriptionId": SUB},
        {},
        "default",
        "azure-native:useDefaultAzureCredential",
    ),
    (
        "certificate from env",
        {},
        {**SP_ENV, "ARM_CLIENT_CERTIFICATE_PATH": "/sp.pem"},
        "certificate",
        "ARM_CLIENT_CERTIFICATE_PATH",
    ),
    (
        "certificate from config",
        {**SP_CONFIG, "azure-native:clientCertificatePath": "/sp.pfx"},
        {},
        "certificate",
        "azure-native:clientCertificatePath",
    ),
    ("secret from env", {}, {**SP_ENV, "ARM_CLIENT_SECRET": "s3cret"}, "secret", "ARM_CLIENT_SECRET"),
    (
        "secret from config",
        {**SP_CONFIG, "azure-native:clientSecret": "s3cret"},
        {},
        "secret",
        "azure-native:clientSecret",
    ),
    (
        "OIDC token (Pulumi ESC azure-login)",
        {},
        {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "id.token.jwt"},
        "oidc",
        "ARM_USE_OIDC",
    ),
    (
        "OIDC token file",
        {},
        {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN_FILE_PATH": "/token"},
        "oidc",
        "ARM_USE_OIDC",
    ),
    (
        "OIDC GitHub Actions request",
        {},
        {
            **SP_ENV,
            "ARM_USE_OIDC": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh/t",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt",
        },
        "oidc",
        "ARM_USE_OIDC",
    ),
    (
        "OIDC ARM request pair",
        {},
        {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_REQUEST_URL": "https://x/t", "ARM_OIDC_REQUEST_TOKEN": "rt"},
        "oidc",
        "ARM_USE_OIDC",
    ),
    (
        "OIDC from config",
        {**SP_CONFIG, "azure-native:useOidc": "true", "azure-native:oidcToken": "id.token.jwt"},
        {},
        "oidc",
        "azure-native:useOidc",
    ),
    (
        "managed identity, system-assigned",
        {},
        {"ARM_USE_MSI": "true", "ARM_SUBSCRIPTION_ID": SUB},
        "msi",
        "ARM_USE_MSI",
    ),
    (
        "managed identity, user-assigned",
        {},
        {"ARM_USE_MSI": "true", "ARM_SUBSCRIPTION_ID": SUB, "ARM_CLIENT_ID": CLIENT},
        "msi",
        "ARM_USE_MSI",
    ),
    (
        "managed identity from config",
        {"azure-native:useMsi": "true", "azure-native:subscriptionId": SUB},
        {},
        "msi",
        "azure-native:useMsi",
    ),
]


@pytest.mark.parametrize(("case", "config", "env", "method", "selected_by"), ROUTES, ids=[r[0] for r in ROUTES])
def test_each_route_is_chosen(
    case: str, config: dict[str, str], env: dict[str, str], method: str, selected_by: str
) -> None:
    choice = choose_auth(config, env)
    assert (choice.method, choice.selected_by) == (method, selected_by), case
    merged = {**env, **{key.split(":", 1)[1]: value for key, value in config.items()}}
    assert choice.subscription_id == (merged.get("ARM_SUBSCRIPTION_ID") or merged.get("subscriptionId"))


def test_the_route_carries_its_own_parameters() -> None:
    certificate = choose_auth(
        {}, {**SP_ENV, "ARM_CLIENT_CERTIFICATE_PATH": "/sp.pfx", "ARM_CLIENT_CERTIFICATE_PASSWORD": "pw"}
    )
    assert (certificate.certificate_path, certificate.certificate_password) == ("/sp.pfx", "pw")
    assert (certificate.tenant_id, certificate.client_id, certificate.subscription_id) == (TENANT, CLIENT, SUB)
    token = choose_auth({}, {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "tok"})
    assert (token.oidc_token, token.oidc_token_file_path, token.oidc_request_url) == ("tok", None, None)
    token_file = choose_auth({}, {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN_FILE_PATH": "/f"})
    assert (token_file.oidc_token, token_file.oidc_token_file_path) == (None, "/f")
    github = choose_auth(
        {},
        {
            **SP_ENV,
            "ARM_USE_OIDC": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh/t",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt",
        },
    )
    assert (github.oidc_request_url, github.oidc_request_token, github.oidc_audience) == (
        "https://gh/t",
        "rt",
        DEFAULT_OIDC_AUDIENCE,
    )
    audience = choose_auth(
        {},
        {
            **SP_ENV,
            "ARM_USE_OIDC": "true",
            "ARM_OIDC_AUDIENCE": "api://custom",
            "ARM_OIDC_REQUEST_URL": "https://x/t",
            "ARM_OIDC_REQUEST_TOKEN": "rt",
        },
    )
    assert audience.oidc_audience == "api://custom"
    msi = choose_auth({}, {"ARM_USE_MSI": "true", "ARM_SUBSCRIPTION_ID": SUB, "ARM_CLIENT_ID": CLIENT})
    assert msi.client_id == CLIENT


EVERYTHING = {
    **SP_ENV,
    "ARM_USE_DEFAULT_AZURE_CREDENTIAL": "true",
    "ARM_CLIENT_CERTIFICATE_PATH": "/sp.pem",
    "ARM_CLIENT_SECRET": "s3cret",
    "ARM_USE_OIDC": "true",
    "ARM_OIDC_TOKEN": "tok",
    "ARM_USE_MSI": "true",
}


def test_methods_take_precedence_in_the_providers_order() -> None:
    env = dict(EVERYTHING)
    order = []
    for switch in (
        "ARM_USE_DEFAULT_AZURE_CREDENTIAL",
        "ARM_CLIENT_CERTIFICATE_PATH",
        "ARM_CLIENT_SECRET",
        "ARM_USE_OIDC",
        "ARM_USE_MSI",
    ):
        order.append(choose_auth({}, env).method)
        del env[switch]
    order.append(choose_auth({}, env).method)
    assert order == ["default", "certificate", "secret", "oidc", "msi", "cli"]


@pytest.mark.parametrize(
    ("env", "method"),
    [
        ({**SP_ENV, "ARM_USE_DEFAULT_AZURE_CREDENTIAL": "true", "ARM_CLIENT_SECRET": "s"}, "default"),
        ({**SP_ENV, "ARM_CLIENT_CERTIFICATE_PATH": "/c", "ARM_CLIENT_SECRET": "s"}, "certificate"),
        ({**SP_ENV, "ARM_CLIENT_SECRET": "s", "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "t"}, "secret"),
        ({**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "t", "ARM_USE_MSI": "true"}, "oidc"),
        ({**SP_ENV, "ARM_USE_MSI": "true"}, "msi"),
        ({**SP_ENV, "ARM_OIDC_TOKEN": "t"}, "cli"),  # a token without useOidc does not select OIDC
    ],
)
def test_pairwise_precedence(env: dict[str, str], method: str) -> None:
    assert choose_auth({}, env).method == method


TEXT_SETTINGS = [setting for setting in AZURE_NATIVE_SETTINGS if setting.kind == "text"]


@pytest.mark.parametrize("setting", TEXT_SETTINGS, ids=[s.key for s in TEXT_SETTINGS])
def test_config_wins_over_the_environment_for_every_setting(setting: Any) -> None:
    from vnet2vnet.azure_auth import _Reader

    env = {name: f"env-{index}" for index, name in enumerate(setting.env)}
    assert _Reader({}, env).lookup(setting.key) == ("env-0", setting.env[0])
    assert _Reader({setting.config_key: "from-config"}, env).lookup(setting.key) == ("from-config", setting.config_key)
    # A config key that is present but empty still shadows the environment, as the provider's getConfig does.
    assert _Reader({setting.config_key: ""}, env).lookup(setting.key) == ("", setting.config_key)
    # Only the azure-native namespace is read.
    assert _Reader({f"azure:{setting.key}": "other", setting.key: "bare"}, env).lookup(setting.key)[0] == "env-0"


def test_config_selects_over_environment_for_the_whole_choice() -> None:
    choice = choose_auth(
        {**SP_CONFIG, "azure-native:clientSecret": "from-config"},
        {
            "ARM_SUBSCRIPTION_ID": "env-sub",
            "ARM_TENANT_ID": "env-tenant",
            "ARM_CLIENT_ID": "env-client",
            "ARM_CLIENT_SECRET": "env-secret",
        },
    )
    assert (choice.subscription_id, choice.tenant_id, choice.client_id, choice.client_secret) == (
        SUB,
        TENANT,
        CLIENT,
        "from-config",
    )
    # The config can switch a method off that the environment switches on.
    assert (
        choose_auth({"azure-native:useMsi": "false"}, {"ARM_USE_MSI": "true", "ARM_SUBSCRIPTION_ID": SUB}).method
        == "cli"
    )


def test_oidc_request_pair_reads_config_then_arm_then_github() -> None:
    env = {
        **SP_ENV,
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh/u",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-rt",
    }
    assert choose_auth({}, env).oidc_request_url == "https://gh/u"
    env |= {"ARM_OIDC_REQUEST_URL": "https://arm/u", "ARM_OIDC_REQUEST_TOKEN": "arm-rt"}
    arm = choose_auth({}, env)
    assert (arm.oidc_request_url, arm.oidc_request_token) == ("https://arm/u", "arm-rt")
    config = choose_auth(
        {"azure-native:oidcRequestUrl": "https://cfg/u", "azure-native:oidcRequestToken": "cfg-rt"}, env
    )
    assert (config.oidc_request_url, config.oidc_request_token) == ("https://cfg/u", "cfg-rt")


def test_oidc_sources_in_order_token_then_file_then_request() -> None:
    env = {
        **SP_ENV,
        "ARM_USE_OIDC": "true",
        "ARM_OIDC_TOKEN": "t",
        "ARM_OIDC_TOKEN_FILE_PATH": "/f",
        "ARM_OIDC_REQUEST_URL": "https://x",
        "ARM_OIDC_REQUEST_TOKEN": "r",
    }
    assert choose_auth({}, env).oidc_token == "t"
    del env["ARM_OIDC_TOKEN"]
    assert choose_auth({}, env).oidc_token_file_path == "/f"
    del env["ARM_OIDC_TOKEN_FILE_PATH"]
    assert choose_auth({}, env).oidc_request_url == "https://x"


MISSING: list[tuple[str, dict[str, str], str]] = [
    # (what is configured, its settings, the setting whose absence is reported)
    ("default", {"ARM_USE_DEFAULT_AZURE_CREDENTIAL": "true"}, "subscriptionId"),
    ("certificate", {"ARM_CLIENT_CERTIFICATE_PATH": "/c"}, "subscriptionId"),
    ("certificate", {"ARM_CLIENT_CERTIFICATE_PATH": "/c", "ARM_SUBSCRIPTION_ID": SUB}, "tenantId"),
    (
        "certificate",
        {"ARM_CLIENT_CERTIFICATE_PATH": "/c", "ARM_SUBSCRIPTION_ID": SUB, "ARM_TENANT_ID": TENANT},
        "clientId",
    ),
    ("secret", {"ARM_CLIENT_SECRET": "SECRET-s"}, "subscriptionId"),
    ("secret", {"ARM_CLIENT_SECRET": "SECRET-s", "ARM_SUBSCRIPTION_ID": SUB}, "tenantId"),
    ("secret", {"ARM_CLIENT_SECRET": "SECRET-s", "ARM_SUBSCRIPTION_ID": SUB, "ARM_TENANT_ID": TENANT}, "clientId"),
    ("oidc", {"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "SECRET-t"}, "subscriptionId"),
    ("oidc", {"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "SECRET-t", "ARM_SUBSCRIPTION_ID": SUB}, "tenantId"),
    (
        "oidc",
        {"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "SECRET-t", "ARM_SUBSCRIPTION_ID": SUB, "ARM_TENANT_ID": TENANT},
        "clientId",
    ),
    ("oidc", {**SP_ENV, "ARM_USE_OIDC": "true"}, "oidcToken"),
    ("oidc", {**SP_ENV, "ARM_USE_OIDC": "true", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://gh"}, "oidcToken"),
    ("oidc", {**SP_ENV, "ARM_USE_OIDC": "true", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt"}, "oidcToken"),
    ("msi", {"ARM_USE_MSI": "true", "ARM_CLIENT_ID": CLIENT}, "subscriptionId"),
]


@pytest.mark.parametrize(("method", "env", "missing"), MISSING, ids=[f"{m[0]}-lacks-{m[2]}" for m in MISSING])
def test_a_chosen_method_lacking_a_setting_is_an_error_naming_it(
    method: str, env: dict[str, str], missing: str
) -> None:
    with pytest.raises(AuthConfigError) as raised:
        choose_auth({}, env)
    message = str(raised.value)
    setting = SETTINGS_BY_KEY[missing]
    assert setting.config_key in message
    assert setting.env[0] in message
    assert "\n" not in message
    assert "SECRET-" not in message
    if missing == "oidcToken":  # names every way to give the token
        for key in ("oidcTokenFilePath", "oidcRequestUrl", "oidcRequestToken"):
            assert SETTINGS_BY_KEY[key].config_key in message
        assert "ACTIONS_ID_TOKEN_REQUEST_URL" in message


def test_the_error_names_the_method_that_needed_it() -> None:
    with pytest.raises(
        AuthConfigError,
        match=r"^azure-native:clientSecret \(or ARM_CLIENT_SECRET\) is set but azure-native:tenantId / ARM_TENANT_ID is not: set it",
    ):
        choose_auth({"azure-native:clientSecret": "x", "azure-native:subscriptionId": SUB}, {})


def test_a_configured_method_never_falls_through() -> None:
    # A secret without its tenant is an error even though az login would otherwise be used.
    with pytest.raises(AuthConfigError):
        choose_auth({}, {"ARM_CLIENT_SECRET": "s", "ARM_SUBSCRIPTION_ID": SUB, "ARM_CLIENT_ID": CLIENT})
    # An OIDC switch without a token is an error even though a managed identity is also switched on.
    with pytest.raises(AuthConfigError):
        choose_auth({}, {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_USE_MSI": "true"})


@pytest.mark.parametrize("value", ["True", "TRUE", "1", "yes", "on", " true"])
def test_booleans_are_on_only_for_the_exact_text_true(value: str) -> None:
    choice = choose_auth({}, {"ARM_USE_MSI": value, "ARM_SUBSCRIPTION_ID": SUB})
    assert choice.method == "cli"
    assert len(choice.notes) == 1 and "ARM_USE_MSI" in choice.notes[0]


@pytest.mark.parametrize("value", ["false", "False", "", "no", "0"])
def test_booleans_off_without_a_note(value: str) -> None:
    choice = choose_auth({"azure-native:useOidc": value}, SP_ENV)
    assert (choice.method, choice.notes) == ("cli", ())


@pytest.mark.parametrize(
    ("text", "tenants"),
    [("", ()), ("[]", ()), ("null", ()), ('["t-2", "t-3"]', ("t-2", "t-3")), (' ["t-2"] ', ("t-2",))],
)
def test_auxiliary_tenants_are_a_json_list(text: str, tenants: tuple[str, ...]) -> None:
    assert choose_auth({}, {"ARM_AUXILIARY_TENANT_IDS": text}).auxiliary_tenant_ids == tenants
    assert choose_auth({"azure-native:auxiliaryTenantIds": text}, {}).auxiliary_tenant_ids == tenants


@pytest.mark.parametrize("text", ["t-2", "[t-2]", '"t-2"', "[1]", '{"a": "b"}', '["t-2", null]', "[" * 5000])
def test_auxiliary_tenants_that_are_not_a_json_list_of_strings_are_an_error(text: str) -> None:
    with pytest.raises(AuthConfigError, match="ARM_AUXILIARY_TENANT_IDS"):
        choose_auth({}, {"ARM_AUXILIARY_TENANT_IDS": text})


@pytest.mark.parametrize(
    ("config", "env", "cloud", "configured"),
    [
        ({}, {}, "public", False),
        ({}, {"ARM_ENVIRONMENT": "usgovernment"}, "usgovernment", True),
        ({}, {"ARM_ENVIRONMENT": "USGov"}, "usgovernment", True),
        ({}, {"AZURE_ENVIRONMENT": "AzureUSGovernment"}, "usgovernment", True),
        ({}, {"ARM_ENVIRONMENT": "china", "AZURE_ENVIRONMENT": "usgovernment"}, "china", True),
        ({}, {"AZURE_ENVIRONMENT": "AzureChinaCloud"}, "china", True),
        ({}, {"ARM_ENVIRONMENT": "AzureCloud"}, "public", True),
        ({}, {"ARM_ENVIRONMENT": "germany"}, "public", True),  # unknown names are the public cloud, as GetCloudByName
        ({"azure-native:environment": "public"}, {"ARM_ENVIRONMENT": "china"}, "public", True),
    ],
)
def test_the_cloud_is_read_and_named_as_the_provider_does(
    config: dict[str, str], env: dict[str, str], cloud: str, configured: bool
) -> None:
    choice = choose_auth(config, env)
    assert (choice.environment, choice.environment_configured) == (cloud, configured)


def test_management_endpoint_and_login_host_per_cloud() -> None:
    expected = {
        "public": ("https://management.azure.com", AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
        "usgovernment": ("https://management.usgovcloudapi.net", AzureAuthorityHosts.AZURE_GOVERNMENT),
        "china": ("https://management.chinacloudapi.cn", AzureAuthorityHosts.AZURE_CHINA),
    }
    for cloud, (base_url, login) in expected.items():
        choice = choose_auth({}, {"ARM_ENVIRONMENT": cloud})
        assert management_endpoint(choice) == (base_url, f"{base_url}/.default")
        assert authority_host(choice) == login
    assert cloud_by_name(" AzureUSGovernmentCloud ") == "usgovernment"


SECRETS = {
    "client_secret": ("secret", {**SP_ENV, "ARM_CLIENT_SECRET": "SECRET-client-secret"}),
    "certificate_password": (
        "certificate",
        {**SP_ENV, "ARM_CLIENT_CERTIFICATE_PATH": "/c.pfx", "ARM_CLIENT_CERTIFICATE_PASSWORD": "SECRET-pfx-password"},
    ),
    "oidc_token": ("oidc", {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "SECRET-oidc-token"}),
    "oidc_request_token": (
        "oidc",
        {
            **SP_ENV,
            "ARM_USE_OIDC": "true",
            "ARM_OIDC_REQUEST_URL": "https://gh/t?x=1",
            "ARM_OIDC_REQUEST_TOKEN": "SECRET-request-token",
        },
    ),
}


@pytest.mark.parametrize("secret_field", sorted(SECRETS))
def test_secrets_never_reach_repr_str_or_describe(secret_field: str) -> None:
    method, env = SECRETS[secret_field]
    choice = choose_auth({}, env)
    assert choice.method == method
    value = getattr(choice, secret_field)
    assert value and value.startswith("SECRET-")
    for text in (repr(choice), str(choice), choice.describe(), repr(for_subscription(choice, "sub-2", "tenant-2"))):
        assert "SECRET-" not in text
    assert {f.name for f in dataclasses.fields(AuthChoice) if not f.repr} == set(SECRETS)


def test_for_subscription_moves_to_another_side() -> None:
    choice = choose_auth({}, {**SP_ENV, "ARM_CLIENT_SECRET": "s", "ARM_AUXILIARY_TENANT_IDS": '["tenant-2"]'})
    same_tenant = for_subscription(choice, "sub-2")
    assert (same_tenant.subscription_id, same_tenant.tenant_id, same_tenant.client_secret) == ("sub-2", TENANT, "s")
    other_tenant = for_subscription(choice, "sub-3", "tenant-2", auxiliary_tenant_ids=[TENANT])
    assert (other_tenant.subscription_id, other_tenant.tenant_id, other_tenant.auxiliary_tenant_ids) == (
        "sub-3",
        "tenant-2",
        (TENANT,),
    )
    assert (other_tenant.method, other_tenant.client_id) == ("secret", CLIENT)


def test_an_explicit_side_provider_reads_only_its_arguments_and_the_environment() -> None:
    stack_config = {**SP_CONFIG, "azure-native:clientSecret": "stack-only"}
    assert choose_auth(stack_config, {}).method == "secret"
    side = explicit_provider_config("sub-2", "tenant-2", ["tenant-3"])
    side_choice = choose_auth(
        side, {"ARM_CLIENT_SECRET": "from-env", "ARM_CLIENT_ID": CLIENT, "ARM_ENVIRONMENT": "china"}
    )
    assert (side_choice.method, side_choice.subscription_id, side_choice.tenant_id) == ("secret", "sub-2", "tenant-2")
    assert side_choice.auxiliary_tenant_ids == ("tenant-3",)
    assert (side_choice.environment, side_choice.environment_configured) == ("public", True)  # the SDK's default
    assert choose_auth(side, {}).method == "cli"


def test_settings_declaration_is_complete_and_documented() -> None:
    keys = [setting.key for setting in AZURE_NATIVE_SETTINGS]
    assert len(keys) == len(set(keys))
    table = settings_markdown()
    for setting in AZURE_NATIVE_SETTINGS:
        assert setting.config_key.startswith("azure-native:") and setting.doc
        assert f"`{setting.config_key}`" in table
        for name in setting.env:
            assert f"`{name}`" in table
    assert {s.key for s in AZURE_NATIVE_SETTINGS if s.secret} == {
        "clientSecret",
        "clientCertificatePassword",
        "oidcToken",
        "oidcRequestToken",
    }


ALL_CONFIG_KEYS = [setting.config_key for setting in AZURE_NATIVE_SETTINGS] + [
    "azure-native:unknown",
    "azure:clientId",
    "clientId",
]
ALL_ENV_NAMES = sorted(
    {name for setting in AZURE_NATIVE_SETTINGS for name in setting.env} | {"AZURE_CLIENT_ID", "PATH"}
)
VALUES = st.one_of(
    st.sampled_from(
        ["", "true", "True", "false", "1", "null", "[]", '["t"]', "[1]", "{", "[[", "public", "china", "usgov"]
    ),
    st.text(max_size=24),
)


@settings(max_examples=400, deadline=None)
@given(
    config=st.dictionaries(st.sampled_from(ALL_CONFIG_KEYS), VALUES),
    env=st.dictionaries(st.sampled_from(ALL_ENV_NAMES), VALUES),
)
def test_any_strings_give_a_choice_or_an_auth_config_error(config: dict[str, str], env: dict[str, str]) -> None:
    try:
        choice = choose_auth(config, env)
    except AuthConfigError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert choice.method in {"default", "certificate", "secret", "oidc", "msi", "cli"}
    assert choice.method != "cli" or choice.selected_by == ""
    repr(choice)
    choice.describe()
    management_endpoint(choice)


# --- stand-ins ---------------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request a stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    form: dict[str, list[str]]


Responder = Callable[[str, Seen], tuple[int, Any]]


class StandIn:
    """A local HTTP(S) server in a thread that records what it receives and answers with JSON."""

    def __init__(self, respond: Responder, tls: ssl.SSLContext | None) -> None:
        self.seen: list[Seen] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {name.lower(): value for name, value in self.headers.items()},
                    parse_qs(body, keep_blank_values=True),
                )
                outer.seen.append(seen)
                status, payload = respond(outer.url, seen)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def token_requests(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.endswith("/oauth2/v2.0/token")]


def entra(base: str, seen: Seen) -> tuple[int, Any]:
    """The Entra ID endpoints msal and azure-identity call: OpenID configuration and the v2.0 token endpoint."""
    tenant = seen.path.strip("/").split("/")[0]
    if seen.path.endswith("/v2.0/.well-known/openid-configuration"):
        return 200, {
            "issuer": f"{base}/{tenant}/v2.0",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
        }
    if seen.method == "POST" and seen.path == f"/{tenant}/oauth2/v2.0/token":
        return 200, {"token_type": "Bearer", "expires_in": 3600, "access_token": f"entra-token-for-{tenant}"}
    return 404, {"error": "not_found", "error_description": seen.path}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def transport(ca: trustme.CA, tmp_path: Path) -> dict[str, Any]:
    bundle = tmp_path / "stand-in-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return {"connection_verify": str(bundle)}


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy, and none of the host's Azure identity settings, reach the credentials under test."""
    for name in list(os.environ):
        if name.upper().startswith(
            ("AZURE_", "ARM_", "ACTIONS_ID_TOKEN", "IDENTITY_", "MSI_", "IMDS_")
        ) or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def login(server_tls: ssl.SSLContext) -> Iterator[StandIn]:
    server = StandIn(entra, server_tls)
    yield server
    server.close()


def test_client_secret_against_a_stand_in_token_endpoint(login: StandIn, transport: dict[str, Any]) -> None:
    choice = choose_auth(
        {**SP_CONFIG, "azure-native:clientSecret": "s3cret", "azure-native:disableInstanceDiscovery": "true"}, {}
    )
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    assert credential.get_token(management_endpoint(choice).scope).token == f"entra-token-for-{TENANT}"
    (request,) = login.token_requests()
    assert request.path == f"/{TENANT}/oauth2/v2.0/token"
    assert request.form["client_id"] == [CLIENT]
    assert request.form["client_secret"] == ["s3cret"]
    assert request.form["grant_type"] == ["client_credentials"]
    assert ARM_SCOPE in request.form["scope"][0].split()


def _self_signed(tmp_path: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vnet2vnet test service principal")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _assert_signed_by(assertion: str, certificate: x509.Certificate, token_endpoint: str) -> None:
    """The client assertion is a JWT for this client and endpoint, naming and signed by the certificate."""
    header_part, payload_part, signature_part = assertion.split(".")
    header, payload = json.loads(_b64url_decode(header_part)), json.loads(_b64url_decode(payload_part))
    der = certificate.public_bytes(serialization.Encoding.DER)
    x5t, x5t_s256 = (str(header.get(name, "")).rstrip("=") for name in ("x5t", "x5t#S256"))  # msal keeps the padding
    assert x5t == _b64url(hashlib.sha1(der).digest()) or x5t_s256 == _b64url(hashlib.sha256(der).digest())
    assert payload["iss"] == payload["sub"] == CLIENT
    assert payload["aud"] == token_endpoint
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    signed, signature = f"{header_part}.{payload_part}".encode(), _b64url_decode(signature_part)
    if header["alg"] == "RS256":
        public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert header["alg"] == "PS256"
        public_key.verify(
            signature, signed, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO), hashes.SHA256()
        )


@pytest.mark.parametrize("form", ["pem", "pfx-with-password"])
def test_client_certificate_against_a_stand_in_token_endpoint(
    form: str, login: StandIn, transport: dict[str, Any], tmp_path: Path
) -> None:
    key, certificate = _self_signed(tmp_path)
    env = {**SP_ENV, "ARM_DISABLE_INSTANCE_DISCOVERY": "true"}
    if form == "pem":
        path = tmp_path / "sp.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + certificate.public_bytes(serialization.Encoding.PEM)
        )
    else:
        path = tmp_path / "sp.pfx"
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"sp", key, certificate, None, serialization.BestAvailableEncryption(b"pfx-password")
            )
        )
        env["ARM_CLIENT_CERTIFICATE_PASSWORD"] = "pfx-password"
    choice = choose_auth({}, {**env, "ARM_CLIENT_CERTIFICATE_PATH": str(path)})
    assert choice.method == "certificate"
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    assert credential.get_token(ARM_SCOPE).token == f"entra-token-for-{TENANT}"
    (request,) = login.token_requests()
    assert request.form["client_id"] == [CLIENT]
    assert request.form["client_assertion_type"] == [JWT_BEARER]
    assert "client_secret" not in request.form
    _assert_signed_by(request.form["client_assertion"][0], certificate, f"{login.url}/{TENANT}/oauth2/v2.0/token")


def test_a_wrong_certificate_password_is_an_error_naming_the_setting(tmp_path: Path) -> None:
    key, certificate = _self_signed(tmp_path)
    path = tmp_path / "sp.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"sp", key, certificate, None, serialization.BestAvailableEncryption(b"right")
        )
    )
    choice = choose_auth(
        {}, {**SP_ENV, "ARM_CLIENT_CERTIFICATE_PATH": str(path), "ARM_CLIENT_CERTIFICATE_PASSWORD": "wrong"}
    )
    with pytest.raises(AuthConfigError, match="ARM_CLIENT_CERTIFICATE_PATH") as raised:
        build_credential(choice)
    assert "wrong" not in str(raised.value)
    with pytest.raises(AuthConfigError, match="azure-native:clientCertificatePath"):
        build_credential(dataclasses.replace(choice, certificate_path=str(tmp_path / "missing.pem")))


def test_oidc_literal_token_against_a_stand_in_token_endpoint(login: StandIn, transport: dict[str, Any]) -> None:
    choice = choose_auth({}, {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "esc.id.token"})
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    assert credential.get_token(ARM_SCOPE).token == f"entra-token-for-{TENANT}"
    (request,) = login.token_requests()
    assert (request.form["client_id"], request.form["client_assertion"], request.form["client_assertion_type"]) == (
        [CLIENT],
        ["esc.id.token"],
        [JWT_BEARER],
    )


def test_oidc_token_file_is_read_at_each_request(login: StandIn, transport: dict[str, Any], tmp_path: Path) -> None:
    token_file = tmp_path / "federated-token"
    token_file.write_text("first.id.token\n")
    choice = choose_auth(
        {**SP_CONFIG, "azure-native:useOidc": "true", "azure-native:oidcTokenFilePath": str(token_file)}, {}
    )
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    assert credential.get_token(ARM_SCOPE).token == f"entra-token-for-{TENANT}"
    token_file.write_text("rotated.id.token")
    credential.get_token("https://management.core.windows.net//.default")
    assert [request.form["client_assertion"][0] for request in login.token_requests()] == [
        "first.id.token",
        "rotated.id.token",
    ]


def test_an_unreadable_oidc_token_file_is_an_error_when_built(tmp_path: Path) -> None:
    choice = choose_auth({}, {**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN_FILE_PATH": str(tmp_path / "absent")})
    with pytest.raises(AuthConfigError, match="ARM_OIDC_TOKEN_FILE_PATH"):
        build_credential(choice)


@pytest.fixture
def github(server_tls: ssl.SSLContext) -> Iterator[StandIn]:
    """GitHub Actions' ID token endpoint: a bearer-authenticated GET answering {"value": <ID token>}."""

    def respond(_base: str, seen: Seen) -> tuple[int, Any]:
        if seen.headers.get("authorization") != "Bearer gh-request-token":
            return 401, {"message": "bad credentials"}
        return 200, {"count": 1, "value": f"github-id-token-for-{seen.query['audience'][0]}"}

    server = StandIn(respond, server_tls)
    yield server
    server.close()


@pytest.mark.parametrize("audience", [None, "api://custom-audience"])
def test_oidc_github_request_against_stand_ins(
    audience: str | None, login: StandIn, github: StandIn, transport: dict[str, Any]
) -> None:
    env = {
        **SP_ENV,
        "ARM_USE_OIDC": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{github.url}/_apis/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-token",
    }
    if audience:
        env["ARM_OIDC_AUDIENCE"] = audience
    choice = choose_auth({}, env)
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    assert credential.get_token(ARM_SCOPE).token == f"entra-token-for-{TENANT}"
    (exchange,) = github.seen
    expected_audience = audience or "api://AzureADTokenExchange"
    assert (exchange.method, exchange.path) == ("GET", "/_apis/token")
    assert exchange.query == {"api-version": ["2.0"], "audience": [expected_audience]}
    assert exchange.headers["authorization"] == "Bearer gh-request-token"
    assert exchange.headers["accept"] == "application/json"
    (request,) = login.token_requests()
    assert request.form["client_assertion"] == [f"github-id-token-for-{expected_audience}"]
    assert request.form["client_id"] == [CLIENT]


def test_a_refused_oidc_request_fails_without_revealing_the_request_token(
    login: StandIn, github: StandIn, transport: dict[str, Any]
) -> None:
    choice = choose_auth(
        {},
        {
            **SP_ENV,
            "ARM_USE_OIDC": "true",
            "ARM_OIDC_REQUEST_URL": f"{github.url}/t",
            "ARM_OIDC_REQUEST_TOKEN": "SECRET-wrong-token",
        },
    )
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    with pytest.raises(ClientAuthenticationError) as raised:
        credential.get_token(ARM_SCOPE)
    assert "401" in str(raised.value)
    assert "SECRET-" not in str(raised.value)
    assert login.token_requests() == []


@pytest.fixture
def app_service_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """The App Service managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), plain HTTP on loopback as
    on App Service."""

    def respond(_base: str, seen: Seen) -> tuple[int, Any]:
        if seen.headers.get("x-identity-header") != "stand-in-header":
            return 401, {"statusCode": 401, "message": "missing header"}
        who = seen.query.get("client_id", ["system"])[0]
        return 200, {
            "access_token": f"msi-token-for-{who}",
            "expires_on": str(int(time.time()) + 3600),
            "resource": seen.query["resource"][0],
            "token_type": "Bearer",
        }

    server = StandIn(respond, None)
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{server.url}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "stand-in-header")
    yield server
    server.close()


@pytest.mark.parametrize("client_id", [CLIENT, None])
def test_managed_identity_against_a_stand_in_endpoint(client_id: str | None, app_service_identity: StandIn) -> None:
    env = {"ARM_USE_MSI": "true", "ARM_SUBSCRIPTION_ID": SUB}
    if client_id:
        env["ARM_CLIENT_ID"] = client_id
    choice = choose_auth({}, env)
    credential = build_credential(choice)
    assert credential.get_token(ARM_SCOPE).token == f"msi-token-for-{client_id or 'system'}"
    (request,) = app_service_identity.seen
    assert request.path == "/msi/token"
    assert request.query["resource"] == ["https://management.azure.com"]
    assert request.query.get("client_id") == ([client_id] if client_id else None)


FAKE_AZ = '''#!{python}
"""A stand-in for the Azure CLI: logs its arguments and answers as `az` does."""
import json, sys, time
args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
def option(name, default=None):
    return args[args.index(name) + 1] if name in args else default
if args[:2] == ["account", "get-access-token"]:
    print(json.dumps({{
        "accessToken": "cli-token-for-" + option("--tenant", "home") + "-" + option("--subscription", "default"),
        "expiresOn": "2099-01-01 00:00:00.000000",
        "expires_on": int(time.time()) + 3600,
        "subscription": option("--subscription", "cli-default-sub"),
        "tenant": option("--tenant", "home"),
        "tokenType": "Bearer",
    }}))
elif args[:2] == ["account", "show"]:
    print(json.dumps({{
        "environmentName": {cloud!r},
        "id": option("--subscription", "cli-default-sub"),
        "isDefault": True,
        "name": "stand-in",
        "state": "Enabled",
        "tenantId": "home",
        "user": {{"name": "someone@example.com", "type": "user"}},
    }}))
else:
    sys.stderr.write("ERROR: unexpected arguments\\n")
    sys.exit(2)
'''


@pytest.fixture
def fake_az(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Puts a stand-in `az` (reporting the given cloud) first on PATH; returns the log of its invocations."""

    def install(cloud: str = "AzureCloud") -> Path:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        log = tmp_path / "az.log"
        az = bin_dir / "az"
        az.write_text(FAKE_AZ.format(python=sys.executable, log=str(log), cloud=cloud))
        az.chmod(az.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
        return log

    return install


def _az_calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_azure_cli_against_a_stand_in_az(fake_az: Callable[[str], Path]) -> None:
    log = fake_az("AzureCloud")
    choice = choose_auth({}, {"ARM_TENANT_ID": TENANT, "ARM_SUBSCRIPTION_ID": SUB})
    credential = build_credential(choice)
    assert credential.get_token(ARM_SCOPE).token == f"cli-token-for-{TENANT}-{SUB}"
    (call,) = _az_calls(log)
    assert call[:4] == ["account", "get-access-token", "--output", "json"]
    assert call[call.index("--resource") + 1] == "https://management.azure.com"
    assert call[call.index("--tenant") + 1] == TENANT
    assert call[call.index("--subscription") + 1] == SUB


def test_azure_cli_without_tenant_uses_the_login_default(fake_az: Callable[[str], Path]) -> None:
    log = fake_az("AzureCloud")
    assert build_credential(choose_auth({}, {})).get_token(ARM_SCOPE).token == "cli-token-for-home-default"
    (call,) = _az_calls(log)
    assert "--tenant" not in call and "--subscription" not in call


def test_cli_account_takes_subscription_and_cloud_from_az(fake_az: Callable[[str], Path]) -> None:
    log = fake_az("AzureUSGovernment")
    resolved = cli_account(choose_auth({}, {}))
    assert (resolved.subscription_id, resolved.environment) == ("cli-default-sub", "usgovernment")
    pinned = cli_account(choose_auth({}, {"ARM_SUBSCRIPTION_ID": SUB, "ARM_ENVIRONMENT": "usgovernment"}))
    assert pinned.subscription_id == SUB
    assert _az_calls(log) == [
        ["account", "show", "-o", "json"],
        ["account", "show", "-o", "json", "--subscription", SUB],
    ]
    with pytest.raises(
        AuthConfigError,
        match="configured Azure cloud 'AzureChinaCloud' does not match the active cloud 'AzureUSGovernment'",
    ):
        cli_account(choose_auth({}, {"ARM_ENVIRONMENT": "china"}))
    secret = choose_auth({}, {**SP_ENV, "ARM_CLIENT_SECRET": "s"})
    assert cli_account(secret) is secret


def test_cli_account_without_az_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AuthConfigError, match="Azure CLI not found"):
        cli_account(choose_auth({}, {}))
    with pytest.raises(AuthConfigError, match="without an account"):
        cli_account(choose_auth({}, {}), run=lambda argv, timeout: "not json")


def test_default_credential_against_a_stand_in_workload_identity(
    login: StandIn, transport: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DefaultAzureCredential's workload identity (the AKS / federated token file route) reaches the stand-in; the
    chain's other members are not configured here, so the first usable one is this."""
    token_file = tmp_path / "projected-token"
    token_file.write_text("k8s.service-account.token")
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT)
    monkeypatch.setenv("AZURE_TENANT_ID", "ignored-for-the-configured-tenant")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", login.url)  # the chain's workload identity reads only this one
    choice = choose_auth(
        {
            "azure-native:useDefaultAzureCredential": "true",
            "azure-native:subscriptionId": SUB,
            "azure-native:tenantId": TENANT,
        },
        {},
    )
    credential = build_credential(choice, authority=login.url, transport_kwargs=transport)
    assert credential.get_token(ARM_SCOPE).token == f"entra-token-for-{TENANT}"
    (request,) = login.token_requests()
    assert request.path == f"/{TENANT}/oauth2/v2.0/token"
    assert (request.form["client_id"], request.form["client_assertion"]) == ([CLIENT], ["k8s.service-account.token"])


def test_an_invalid_tenant_is_an_error_when_built() -> None:
    choice = choose_auth({}, {"ARM_TENANT_ID": "not a tenant!"})
    with pytest.raises(AuthConfigError, match="cli credential could not be built"):
        build_credential(choice)


def test_each_method_builds_the_azure_identity_credential_named_in_the_brief(tmp_path: Path) -> None:
    key, certificate = _self_signed(tmp_path)
    pem = tmp_path / "sp.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    expected: Mapping[str, tuple[dict[str, str], str]] = {
        "default": ({"ARM_USE_DEFAULT_AZURE_CREDENTIAL": "true", "ARM_SUBSCRIPTION_ID": SUB}, "DefaultAzureCredential"),
        "certificate": ({**SP_ENV, "ARM_CLIENT_CERTIFICATE_PATH": str(pem)}, "CertificateCredential"),
        "secret": ({**SP_ENV, "ARM_CLIENT_SECRET": "s"}, "ClientSecretCredential"),
        "oidc": ({**SP_ENV, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "t"}, "ClientAssertionCredential"),
        "msi": ({"ARM_USE_MSI": "true", "ARM_SUBSCRIPTION_ID": SUB}, "ManagedIdentityCredential"),
        "cli": ({}, "AzureCliCredential"),
    }
    for method, (env, class_name) in expected.items():
        choice = choose_auth({}, env)
        assert choice.method == method
        for cloud in ("public", "usgovernment", "china"):
            credential = build_credential(dataclasses.replace(choice, environment=cloud))
            assert type(credential).__name__ == class_name
