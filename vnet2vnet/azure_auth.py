"""Azure credentials for the SDK reads (`verify --evidence`, `adopt`), chosen as the azure-native provider chooses.

`vnet2vnet` reads Azure with the Azure SDK for Python, but it must authenticate exactly as the stack's own
azure-native provider (v3) does, from the same settings, so that it works wherever the user's `pulumi up` works.
`DefaultAzureCredential` alone is not that: it reads AZURE_* variables, while the provider (and Pulumi ESC's
`azure-login`, which Pulumi Deployments use) speak ARM_*.

Where the settings come from (pulumi/pulumi-azure-native,
provider/pkg/provider/provider.go@006a62afe453b416e5d5c98d2d91c4c7281f52f9, `getConfig`): each setting is the
stack's `azure-native:<key>` config when that key is present (even when empty), else its environment variable.
`AZURE_NATIVE_SETTINGS` below declares every setting, its variables and meaning. `disableInstanceDiscovery`
(ARM_DISABLE_INSTANCE_DISCOVERY) is from a later revision of auth_azidentity.go (and the v3 SDK's Provider args).

The order (provider/pkg/provider/auth_azidentity.go@015fcf2279888470bbfe63ead852bacf47ca38d4,
`newSingleMethodAuthCredential` and `readAuthConfig`): the first method that is configured is the one used, and
a method that is configured but lacks what it needs is an error, never a fall-through to the next:

1. the default Azure credential chain, when `useDefaultAzureCredential` is true (needs the subscription ID);
2. a service principal with a client certificate, when `clientCertificatePath` is set (PEM or PKCS#12, with
   `clientCertificatePassword`; needs the subscription, tenant and client IDs);
3. a service principal with a client secret, when `clientSecret` is set (needs the same three IDs);
4. OpenID Connect, when `useOidc` is true (needs the same three IDs): a client assertion that is the literal
   `oidcToken`, else the content of `oidcTokenFilePath`, else an ID token fetched from `oidcRequestUrl` with
   `oidcRequestToken` as bearer and `audience=api://AzureADTokenExchange` (or `oidcAudience`), as in GitHub Actions;
5. managed identity, when `useMsi` is true (needs the subscription ID; `clientId` names a user-assigned identity);
6. otherwise the Azure CLI's `az login`, for `tenantId` and `subscriptionId` when set. The provider then takes the
   subscription and cloud from `az account show -o json [--subscription <id>]` with a 10 s timeout, and a
   configured cloud that differs from the CLI's is an error (auth_cli.go@392ddec925ef8dc8e8c2ee1690a57b429f5ed637,
   auth_azidentity.go `NewAzCoreIdentity`): `cli_account` does the same.

Booleans (`useDefaultAzureCredential`, `useOidc`, `useMsi`, `disableInstanceDiscovery`) are on only for the
exact text `true`, as the provider compares them (`getConfig(...) == "true"`): `True`, `TRUE`, `1` and `yes` are
off there, so they are off here too (a near miss is reported in `AuthChoice.notes`). Pulumi passes a YAML boolean
of the stack config as `true`/`false`. `auxiliaryTenantIds` is a JSON list of strings. The cloud (`environment`,
else ARM_ENVIRONMENT, else AZURE_ENVIRONMENT) is matched as `azure.GetCloudByName` does: case-insensitive
`usgovernment`/`usgov`/`AzureUSGovernment`, `china`/`AzureChinaCloud`; anything else is the public cloud.

Where this differs from the provider, and why:
- the OIDC request URL and token are also read from ARM_OIDC_REQUEST_URL / ARM_OIDC_REQUEST_TOKEN before GitHub's
  ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN, as the provider's legacy (non-azidentity) backend
  and Terraform's azurerm do; the azidentity backend reads only the ACTIONS_* pair, so where `pulumi up` works the
  same pair is found unless both are set to different values;
- the token file is read at every token request (the provider reads it once), so a rotated file keeps working,
  and surrounding whitespace is dropped;
- the sovereign cloud's login host is used for every method (the provider forgets it for a literal or file OIDC
  token);
- the provider's legacy backend (PULUMI_ENABLE_AZCORE_BACKEND=false) is not reproduced;
- Python's `DefaultAzureCredential` has no single tenant option: the tenant goes to its workload identity
  credential only (the Go chain also gives it to the Azure CLI and azd).

`choose_auth` is pure; `build_credential` (azure-identity's CertificateCredential, ClientSecretCredential,
ClientAssertionCredential, ManagedIdentityCredential, AzureCliCredential, DefaultAzureCredential), `cli_account`
and the OIDC assertion callbacks do the I/O.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

CONFIG_NAMESPACE = "azure-native"
DEFAULT_OIDC_AUDIENCE = "api://AzureADTokenExchange"
CLI_TIMEOUT_SECONDS = 10.0

Method = Literal["default", "certificate", "secret", "oidc", "msi", "cli"]
Cloud = Literal["public", "usgovernment", "china"]


class AuthConfigError(ValueError):
    """The azure-native settings choose a method that lacks what it needs, or it could not be built."""


@dataclass(frozen=True)
class Setting:
    """One azure-native provider setting: its config key, the environment variables it falls back to, and what
    it is for."""

    key: str  # the config key without its namespace: `clientId` is the stack config `azure-native:clientId`
    env: tuple[str, ...]  # the variables read, in order, when the config key is absent
    doc: str
    kind: Literal["text", "flag", "json-list"] = "text"
    secret: bool = False

    @property
    def config_key(self) -> str:
        return f"{CONFIG_NAMESPACE}:{self.key}"

    @property
    def names(self) -> str:
        """`azure-native:tenantId / ARM_TENANT_ID`: every name the setting is read from, for messages."""
        return " / ".join((self.config_key, *self.env))


AZURE_NATIVE_SETTINGS: tuple[Setting, ...] = (
    Setting("subscriptionId", ("ARM_SUBSCRIPTION_ID",), "The subscription to use (required, except with az login)."),
    Setting("tenantId", ("ARM_TENANT_ID",), "The Entra tenant of the service principal, or for az login."),
    Setting("clientId", ("ARM_CLIENT_ID",), "The service principal's client ID, or a user-assigned identity's."),
    Setting(
        "clientSecret", ("ARM_CLIENT_SECRET",), "Selects a service principal with this client secret.", secret=True
    ),
    Setting(
        "clientCertificatePath",
        ("ARM_CLIENT_CERTIFICATE_PATH",),
        "Selects a service principal with this certificate (PEM or PKCS#12 file with its private key).",
    ),
    Setting(
        "clientCertificatePassword",
        ("ARM_CLIENT_CERTIFICATE_PASSWORD",),
        "The password of the certificate file.",
        secret=True,
    ),
    Setting("useOidc", ("ARM_USE_OIDC",), "`true` selects OpenID Connect (workload identity federation).", "flag"),
    Setting("oidcToken", ("ARM_OIDC_TOKEN",), "The federated ID token itself (Pulumi ESC sets it).", secret=True),
    Setting("oidcTokenFilePath", ("ARM_OIDC_TOKEN_FILE_PATH",), "A file holding the federated ID token."),
    Setting(
        "oidcRequestUrl",
        ("ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"),
        "Where to request an ID token (GitHub Actions sets ACTIONS_ID_TOKEN_REQUEST_URL).",
    ),
    Setting(
        "oidcRequestToken",
        ("ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        "The bearer token for that request (GitHub Actions sets ACTIONS_ID_TOKEN_REQUEST_TOKEN).",
        secret=True,
    ),
    Setting(
        "oidcAudience",
        ("ARM_OIDC_AUDIENCE",),
        f"The audience of the requested ID token; `{DEFAULT_OIDC_AUDIENCE}` when unset.",
    ),
    Setting("useMsi", ("ARM_USE_MSI",), "`true` selects a managed identity (user-assigned with clientId).", "flag"),
    Setting(
        "useDefaultAzureCredential",
        ("ARM_USE_DEFAULT_AZURE_CREDENTIAL",),
        "`true` selects the Azure SDK's DefaultAzureCredential chain, before any other method.",
        "flag",
    ),
    Setting(
        "auxiliaryTenantIds",
        ("ARM_AUXILIARY_TENANT_IDS",),
        'Other tenants the credential may get tokens for, as a JSON list: `["<tenant-id>"]`.',
        "json-list",
    ),
    Setting(
        "environment",
        ("ARM_ENVIRONMENT", "AZURE_ENVIRONMENT"),
        "The cloud: `public` (default), `usgovernment` or `china`.",
    ),
    Setting(
        "disableInstanceDiscovery",
        ("ARM_DISABLE_INSTANCE_DISCOVERY",),
        "`true` skips Entra instance discovery for the certificate and secret methods (Azure Stack, private clouds).",
        "flag",
    ),
)

SETTINGS_BY_KEY: Mapping[str, Setting] = {setting.key: setting for setting in AZURE_NATIVE_SETTINGS}


def settings_markdown() -> str:
    """The settings as a Markdown table, for docs/operate.md."""
    lines = ["| Stack config | Environment | What it does |", "| --- | --- | --- |"]
    for setting in AZURE_NATIVE_SETTINGS:
        env = ", then ".join(f"`{name}`" for name in setting.env)
        lines.append(f"| `{setting.config_key}` | {env} | {setting.doc} |")
    return "\n".join(lines)


class _Cloud(NamedTuple):
    arm_endpoint: str
    authority_attribute: str  # the azure.identity.AzureAuthorityHosts attribute of its login host


_CLOUDS: Mapping[Cloud, _Cloud] = {
    "public": _Cloud("https://management.azure.com", "AZURE_PUBLIC_CLOUD"),
    "usgovernment": _Cloud("https://management.usgovcloudapi.net", "AZURE_GOVERNMENT"),
    "china": _Cloud("https://management.chinacloudapi.cn", "AZURE_CHINA"),
}

# azure.GetCloudByName (pulumi-azure-native provider/pkg/azure): lower-cased name -> cloud; others are public.
_CLOUD_NAMES: Mapping[str, Cloud] = {
    "china": "china",
    "azurechinacloud": "china",
    "usgov": "usgovernment",
    "usgovernment": "usgovernment",
    "azureusgovernment": "usgovernment",
    "azureusgovernmentcloud": "usgovernment",
}

# The names `az cloud show` / `az account show` give (azure.GetCloudName), for messages.
_CLI_CLOUD_NAMES: Mapping[Cloud, str] = {
    "public": "AzureCloud",
    "usgovernment": "AzureUSGovernment",
    "china": "AzureChinaCloud",
}


def cloud_by_name(name: str) -> Cloud:
    """The cloud an `environment` value (or the CLI's `environmentName`) names, as the provider maps it."""
    return _CLOUD_NAMES.get(name.strip().lower(), "public")


@dataclass(frozen=True)
class AuthChoice:
    """The method chosen and what it needs. Secrets are held out of `repr` (and so out of logs); note that
    `dataclasses.asdict` still includes them."""

    method: Method
    subscription_id: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    auxiliary_tenant_ids: tuple[str, ...] = ()
    environment: Cloud = "public"
    # Whether the cloud was configured (the provider then refuses an Azure CLI logged in to another cloud).
    environment_configured: bool = False
    disable_instance_discovery: bool = False
    certificate_path: str | None = None
    oidc_token_file_path: str | None = None
    oidc_request_url: str | None = None
    oidc_audience: str | None = None
    # The config key or environment variable that selected the method ("" for the Azure CLI fallback).
    selected_by: str = ""
    # Settings that look meant but are ignored, as the provider ignores them (e.g. ARM_USE_MSI=True).
    notes: tuple[str, ...] = ()
    client_secret: str | None = field(default=None, repr=False)
    certificate_password: str | None = field(default=None, repr=False)
    oidc_token: str | None = field(default=None, repr=False)
    oidc_request_token: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        """One line for logs and reports, without secrets."""
        what = {
            "default": "the default Azure credential chain",
            "certificate": f"service principal {self.client_id} with the certificate {self.certificate_path}",
            "secret": f"service principal {self.client_id} with a client secret",
            "oidc": f"service principal {self.client_id} with OpenID Connect ({self._oidc_source()})",
            "msi": "managed identity" + (f" {self.client_id}" if self.client_id else " (system-assigned)"),
            "cli": "the Azure CLI's login (az login)",
        }[self.method]
        parts = [what]
        if self.selected_by:
            parts.append(f"chosen by {self.selected_by}")
        if self.tenant_id:
            parts.append(f"tenant {self.tenant_id}")
        parts.append(f"subscription {self.subscription_id or '(the CLI default)'}")
        parts.append(f"cloud {self.environment}")
        return ", ".join(parts)

    def _oidc_source(self) -> str:
        if self.oidc_token:
            return "a given token"
        if self.oidc_token_file_path:
            return f"the token file {self.oidc_token_file_path}"
        return f"a token requested from {_redacted_url(self.oidc_request_url or '')}"


class _Reader:
    """Reads settings as the provider's getConfig does: the config key when present, else the environment."""

    def __init__(self, config: Mapping[str, str], env: Mapping[str, str]) -> None:
        self._config = config
        self._env = env

    def lookup(self, key: str) -> tuple[str, str | None]:
        """The value and the name it came from (None when unset anywhere)."""
        setting = SETTINGS_BY_KEY[key]
        if setting.config_key in self._config:
            return str(self._config[setting.config_key]), setting.config_key
        for name in setting.env:
            value = self._env.get(name, "")
            if value:
                return str(value), name
        return "", None

    def get(self, key: str) -> str:
        return self.lookup(key)[0]

    def flag(self, key: str, notes: list[str]) -> tuple[bool, str | None]:
        value, source = self.lookup(key)
        if value == "true":
            return True, source
        if value.strip().lower() in {"true", "1", "yes", "on"}:
            notes.append(
                f"{source}={value!r} is ignored: azure-native turns {SETTINGS_BY_KEY[key].config_key} on only for "
                f"the exact text 'true', so `pulumi up` ignores it too"
            )
        return False, source


def _missing(trigger: str, key: str) -> AuthConfigError:
    setting = SETTINGS_BY_KEY[key]
    return AuthConfigError(
        f"{trigger} but {setting.names} is not: set it (`pulumi config set {setting.config_key} <value>` or "
        f"export {setting.env[0]}), as `pulumi up` needs it too"
    )


def _trigger(key: str, *, flag: bool = False) -> str:
    setting = SETTINGS_BY_KEY[key]
    alternatives = " or ".join(setting.env)
    return f"{setting.config_key} (or {alternatives}) is {'true' if flag else 'set'}"


def _require(reader: _Reader, trigger: str, keys: Sequence[str]) -> None:
    for key in keys:
        if not reader.get(key):
            raise _missing(trigger, key)


def _auxiliary_tenants(reader: _Reader) -> tuple[str, ...]:
    text, source = reader.lookup("auxiliaryTenantIds")
    if not text:
        return ()
    setting = SETTINGS_BY_KEY["auxiliaryTenantIds"]
    shown = text if len(text) <= 80 else text[:77] + "..."
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise AuthConfigError(
            f"{source} is not JSON ({shown!r}: {error}): set {setting.config_key} as a JSON list, "
            f"like '[\"<tenant-id>\"]'"
        ) from None
    if value is None:  # Go's json.Unmarshal of `null` into a []string: no tenants
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuthConfigError(f"{source} is not a JSON list of tenant IDs ({shown!r}): set it like '[\"<tenant-id>\"]'")
    return tuple(value)


def choose_auth(config: Mapping[str, str], env: Mapping[str, str]) -> AuthChoice:
    """The credential the azure-native provider would use for this stack config and environment.

    `config` is the stack's config (keys like `azure-native:clientId`; other keys are ignored), `env` the
    process environment. Raises `AuthConfigError` when the chosen method lacks a setting it needs.
    """
    reader = _Reader(config, env)
    notes: list[str] = []
    environment_name = reader.get("environment")
    disable_discovery, _ = reader.flag("disableInstanceDiscovery", notes)
    common: dict[str, Any] = {
        "subscription_id": reader.get("subscriptionId") or None,
        "tenant_id": reader.get("tenantId") or None,
        "client_id": reader.get("clientId") or None,
        "auxiliary_tenant_ids": _auxiliary_tenants(reader),
        "environment": cloud_by_name(environment_name),
        "environment_configured": bool(environment_name),
        "disable_instance_discovery": disable_discovery,
    }
    use_default, default_source = reader.flag("useDefaultAzureCredential", notes)
    use_oidc, oidc_source = reader.flag("useOidc", notes)
    use_msi, msi_source = reader.flag("useMsi", notes)
    common["notes"] = tuple(notes)
    service_principal = ("subscriptionId", "tenantId", "clientId")

    if use_default:
        _require(reader, _trigger("useDefaultAzureCredential", flag=True), ("subscriptionId",))
        return AuthChoice("default", selected_by=default_source or "", **common)

    certificate_path, certificate_source = reader.lookup("clientCertificatePath")
    if certificate_path:
        _require(reader, _trigger("clientCertificatePath"), service_principal)
        return AuthChoice(
            "certificate",
            certificate_path=certificate_path,
            certificate_password=reader.get("clientCertificatePassword") or None,
            selected_by=certificate_source or "",
            **common,
        )

    secret, secret_source = reader.lookup("clientSecret")
    if secret:
        _require(reader, _trigger("clientSecret"), service_principal)
        return AuthChoice("secret", client_secret=secret, selected_by=secret_source or "", **common)

    if use_oidc:
        trigger = _trigger("useOidc", flag=True)
        _require(reader, trigger, service_principal)
        oidc: dict[str, Any] = {"selected_by": oidc_source or ""}
        token = reader.get("oidcToken")
        token_file = reader.get("oidcTokenFilePath")
        request_url = reader.get("oidcRequestUrl")
        request_token = reader.get("oidcRequestToken")
        if token:
            return AuthChoice("oidc", oidc_token=token, **oidc, **common)
        if token_file:
            return AuthChoice("oidc", oidc_token_file_path=token_file, **oidc, **common)
        if request_url and request_token:
            return AuthChoice(
                "oidc",
                oidc_request_url=request_url,
                oidc_request_token=request_token,
                oidc_audience=reader.get("oidcAudience") or DEFAULT_OIDC_AUDIENCE,
                **oidc,
                **common,
            )
        names = {key: SETTINGS_BY_KEY[key].names for key in ("oidcToken", "oidcTokenFilePath")}
        raise AuthConfigError(
            f"{trigger} but no OIDC token is configured: set {names['oidcToken']}, or "
            f"{names['oidcTokenFilePath']}, or both {SETTINGS_BY_KEY['oidcRequestUrl'].names} and "
            f"{SETTINGS_BY_KEY['oidcRequestToken'].names} (a GitHub Actions job with `id-token: write` has them)"
        )

    if use_msi:
        _require(reader, _trigger("useMsi", flag=True), ("subscriptionId",))
        return AuthChoice("msi", selected_by=msi_source or "", **common)

    return AuthChoice("cli", **common)


def explicit_provider_config(
    subscription_id: str | None = None,
    tenant_id: str | None = None,
    auxiliary_tenant_ids: Sequence[str] = (),
    environment: str = "public",
) -> dict[str, str]:
    """The config an explicit `azure_native.Provider(subscription_id=..., tenant_id=..., auxiliary_tenant_ids=...)`
    runs with (as components/providers.py makes one per side): only its arguments, never the stack's
    `azure-native:*` config, and `environment` defaulted to `public` by the SDK. With it,
    `choose_auth(explicit_provider_config(...), os.environ)` is exactly that provider's choice."""
    config = {f"{CONFIG_NAMESPACE}:environment": environment}
    if subscription_id:
        config[f"{CONFIG_NAMESPACE}:subscriptionId"] = subscription_id
    if tenant_id:
        config[f"{CONFIG_NAMESPACE}:tenantId"] = tenant_id
    if auxiliary_tenant_ids:
        config[f"{CONFIG_NAMESPACE}:auxiliaryTenantIds"] = json.dumps(list(auxiliary_tenant_ids))
    return config


def for_subscription(
    choice: AuthChoice,
    subscription_id: str,
    tenant_id: str | None = None,
    *,
    auxiliary_tenant_ids: Sequence[str] | None = None,
) -> AuthChoice:
    """The same method for another side of a cross-subscription or cross-tenant stack: that side's subscription,
    its tenant when given (else this one's), and its auxiliary tenants when given.

    The stack's explicit per-side providers do not read the stack's `azure-native:*` config, only the
    environment: when the method came from stack config, `choose_auth(explicit_provider_config(...), env)` is the
    exact equivalent of such a provider."""
    changes: dict[str, Any] = {"subscription_id": subscription_id}
    if tenant_id:
        changes["tenant_id"] = tenant_id
    if auxiliary_tenant_ids is not None:
        changes["auxiliary_tenant_ids"] = tuple(auxiliary_tenant_ids)
    return dataclasses.replace(choice, **changes)


class ManagementEndpoint(NamedTuple):
    """Azure Resource Manager's base URL in the chosen cloud, and the token scope for it."""

    base_url: str
    scope: str


def management_endpoint(choice: AuthChoice) -> ManagementEndpoint:
    """For a management client: `NetworkManagementClient(credential, subscription, base_url=endpoint.base_url,
    credential_scopes=[endpoint.scope])`."""
    base_url = _CLOUDS[choice.environment].arm_endpoint
    return ManagementEndpoint(base_url, f"{base_url}/.default")


def authority_host(choice: AuthChoice) -> str:
    """The Entra login host of the chosen cloud (an azure.identity.AzureAuthorityHosts value)."""
    from azure.identity import AzureAuthorityHosts

    host: str = getattr(AzureAuthorityHosts, _CLOUDS[choice.environment].authority_attribute)
    return host


def _redacted_url(url: str) -> str:
    """The URL without its query (which may carry a token), for messages."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _with_audience(url: str, audience: str) -> str:
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "audience"]
    query.append(("audience", audience))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _read_token_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


def request_oidc_token(url: str, bearer: str, audience: str, transport_kwargs: Mapping[str, Any] | None = None) -> str:
    """An ID token from a GitHub-Actions-style endpoint: GET `url` with `audience` added to its query and the
    request token as bearer; the answer is JSON whose `value` is the token."""
    from azure.core import PipelineClient
    from azure.core.exceptions import ClientAuthenticationError
    from azure.core.rest import HttpRequest

    request = HttpRequest(
        "GET",
        _with_audience(url, audience),
        headers={
            "Accept": "application/json",
            "Authorization": f"Bearer {bearer}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    where = _redacted_url(url)
    try:
        with PipelineClient(base_url=url, **dict(transport_kwargs or {})) as client:
            response = client.send_request(request)
            body = response.text()
    except Exception as error:
        raise ClientAuthenticationError(message=f"OIDC: could not request an ID token from {where}: {error}") from None
    if not 200 <= response.status_code <= 299:
        raise ClientAuthenticationError(
            message=f"OIDC: {where} answered {response.status_code} to the ID token request: {body[:200]}"
        )
    try:
        token = json.loads(body)["value"]
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str) or not token:
        raise ClientAuthenticationError(message=f"OIDC: {where} answered without an ID token (no JSON `value`)")
    return token


def _oidc_assertion(choice: AuthChoice, transport_kwargs: Mapping[str, Any]) -> Callable[[], str]:
    if choice.oidc_token:
        token = choice.oidc_token
        return lambda: token
    if choice.oidc_token_file_path:
        path = choice.oidc_token_file_path
        _read_token_file(path)  # unreadable now: an error now, as the provider's
        return lambda: _read_token_file(path)
    url, bearer = choice.oidc_request_url, choice.oidc_request_token
    if not url or not bearer:
        raise AuthConfigError("the OIDC choice has no token, token file, or request URL and token")
    audience = choice.oidc_audience or DEFAULT_OIDC_AUDIENCE
    return lambda: request_oidc_token(url, bearer, audience, transport_kwargs)


def build_credential(
    choice: AuthChoice,
    *,
    authority: str | None = None,
    transport_kwargs: Mapping[str, Any] | None = None,
) -> TokenCredential:
    """The azure-identity credential for the choice.

    `authority` overrides the cloud's login host (an https URL or a host name); `transport_kwargs` (for example
    `connection_verify`) go to every credential that makes HTTP requests, and to the OIDC token request.
    Raises `AuthConfigError` when the credential cannot be built (an unreadable certificate or token file, an
    invalid tenant ID): the provider does not fall through to another method then either.
    """
    from azure import identity

    transport = dict(transport_kwargs or {})
    login = authority or authority_host(choice)
    auxiliary = list(choice.auxiliary_tenant_ids)
    tenant, client = choice.tenant_id or "", choice.client_id or ""
    try:
        if choice.method == "default":
            tenant_option = {"workload_identity_tenant_id": tenant} if tenant else {}
            return identity.DefaultAzureCredential(
                authority=login, additionally_allowed_tenants=auxiliary, **tenant_option, **transport
            )
        if choice.method == "certificate":
            return identity.CertificateCredential(
                tenant,
                client,
                choice.certificate_path,
                password=choice.certificate_password,
                authority=login,
                additionally_allowed_tenants=auxiliary,
                disable_instance_discovery=choice.disable_instance_discovery,
                **transport,
            )
        if choice.method == "secret":
            return identity.ClientSecretCredential(
                tenant,
                client,
                choice.client_secret or "",
                authority=login,
                additionally_allowed_tenants=auxiliary,
                disable_instance_discovery=choice.disable_instance_discovery,
                **transport,
            )
        if choice.method == "oidc":
            return identity.ClientAssertionCredential(
                tenant, client, _oidc_assertion(choice, transport), authority=login, **transport
            )
        if choice.method == "msi":
            return identity.ManagedIdentityCredential(client_id=client or None, **transport)
        return identity.AzureCliCredential(
            tenant_id=tenant, subscription=choice.subscription_id or None, additionally_allowed_tenants=auxiliary
        )
    except AuthConfigError:
        raise
    except (ValueError, OSError) as error:
        raise AuthConfigError(f"{_failed(choice)} could not be built: {error}") from None


def _failed(choice: AuthChoice) -> str:
    if choice.method == "certificate":
        return f"the client certificate credential ({SETTINGS_BY_KEY['clientCertificatePath'].names})"
    if choice.method == "oidc" and choice.oidc_token_file_path:
        return f"the OIDC credential (token file {SETTINGS_BY_KEY['oidcTokenFilePath'].names})"
    return f"the {choice.method} credential"


def cli_account(
    choice: AuthChoice,
    *,
    run: Callable[[list[str], float], str] | None = None,
    timeout: float = CLI_TIMEOUT_SECONDS,
) -> AuthChoice:
    """For the Azure CLI method, what the provider takes from `az account show -o json [--subscription <id>]`:
    the subscription (the CLI's default when none is configured) and the cloud. A configured cloud that is not
    the CLI's is an error, as it is for the provider. Other methods are returned unchanged.

    `run(argv, timeout)` returns the command's output (tests replace it; by default `az` on PATH is run)."""
    if choice.method != "cli":
        return choice
    argv = ["account", "show", "-o", "json"]
    if choice.subscription_id:
        argv += ["--subscription", choice.subscription_id]
    output = (run or _run_az)(argv, timeout)
    try:
        account = json.loads(output)
        subscription = account["id"]
        cloud_name = account.get("environmentName") or "AzureCloud"
    except (ValueError, KeyError, TypeError, AttributeError):
        raise AuthConfigError("`az account show` answered without an account: run `az login`") from None
    cloud = cloud_by_name(str(cloud_name))
    if choice.environment_configured and cloud != choice.environment:
        raise AuthConfigError(
            f"The configured Azure cloud '{_CLI_CLOUD_NAMES[choice.environment]}' does not match the active cloud "
            f"'{cloud_name}': when authenticating with the Azure CLI the configured cloud must be the one "
            "`az account show` shows; change it with `az cloud set --name <cloud>`"
        )
    return dataclasses.replace(choice, subscription_id=str(subscription), environment=cloud)


def _run_az(argv: list[str], timeout: float) -> str:
    az = shutil.which("az")
    if not az:
        raise AuthConfigError("Azure CLI not found on PATH: install it and run `az login`, or configure another method")
    try:
        completed = subprocess.run(  # the provider runs it from /bin too, away from the project's directory
            [az, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd="/bin" if Path("/bin").is_dir() else None,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AuthConfigError(f"`az {' '.join(argv)}` failed: {error}") from None
    if completed.returncode != 0:
        message = (completed.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise AuthConfigError(f"`az {' '.join(argv)}` failed: {message} (run `az login`)")
    return completed.stdout
