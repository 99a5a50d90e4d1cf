"""The component's TypedDict args and the config schema describe the same keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vnet2vnet import schema
from vnet2vnet.components import args as component_args
from vnet2vnet.components.args import VnetMeshArgs
from vnet2vnet.options import Kind, option

PAIRS = [
    (component_args.VnetToVnetPairArgs, schema.TOPOLOGY),
    (VnetMeshArgs, schema.MESH),
    (component_args.VnetArgs, schema.VNET),
    (component_args.SubnetArgs, schema.SUBNET),
    (component_args.GatewayArgs, schema.GATEWAY),
    (component_args.ConnectionArgs, schema.CONNECTION),
    (component_args.IpsecPolicyArgs, schema.IPSEC_POLICY),
]


@pytest.mark.parametrize(("typed_dict", "object_schema"), PAIRS, ids=[p[1].name for p in PAIRS])
def test_typed_dict_keys_match_the_schema(typed_dict: type, object_schema: schema.ObjectSchema) -> None:
    hints = typed_dict.__annotations__
    fields = set(object_schema.fields_for("args"))
    if typed_dict is VnetMeshArgs:
        fields.discard("shared_key")  # a mesh never takes one key for every link (validation says so)
    assert set(hints) == fields, f"{typed_dict.__name__} drifted from the schema"
    required = {f.name for f in object_schema.fields_for("args").values() if f.required}
    assert set(typed_dict.__required_keys__) == required, f"{typed_dict.__name__}: required keys"  # type: ignore[attr-defined]


def _config_paths(object_schema: schema.ObjectSchema, prefix: str) -> list[str]:
    """Every key's path, except inside a block whose keys the README lists in its own row (summarized)."""
    paths = []
    for key, declared in object_schema.fields_for("config").items():
        path = f"{prefix}{key}"
        paths.append(path)
        if declared.schema is not None and not declared.summarized:
            inner = f"{path}[i]." if declared.kind is schema.Kind.OBJECT_LIST else f"{path}."
            paths += _config_paths(declared.schema, inner)
    return paths


def test_the_config_reference_documents_every_config_key() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "config-reference.md").read_text()
    missing = [path for path in _config_paths(schema.MESH, "") if f"`{path}`" not in page]
    assert not missing, f"docs/config-reference.md lacks: {missing}"


def test_the_args_types_readme_table_and_project_descriptions_derive_from_the_declarations() -> None:
    from vnet2vnet import option_docs

    assert option_docs.main(["--check"]) == 0, "run `make generate` after changing an option in vnet2vnet/spec.py"


def test_a_doc_names_keys_in_each_entry_points_spelling() -> None:
    from vnet2vnet.option_docs import render

    text = "required when `gateway.enable_bgp` is on; see `bgp_asn` and `GatewaySubnet`"
    assert render(text, "args") == text
    assert render(text, "config") == "required when `gateway.enableBgp` is on; see `bgpAsn` and `GatewaySubnet`"


def test_a_missing_key_is_explained_by_its_own_schema() -> None:
    pair, pair_findings = schema.parse_component_args({})
    mesh, mesh_findings = schema.parse_component_args({"topology": "mesh"}, schema=schema.MESH)
    assert pair is None and mesh is None
    assert "Exactly two VNets" in pair_findings[0].message, pair_findings[0].message
    assert "two or more for a mesh" in mesh_findings[0].message, mesh_findings[0].message


@dataclass(frozen=True)
class _Inner:
    value: str = field(metadata=option("A nested value."))


@dataclass(frozen=True)
class _Example:
    """Made-up options, one per way a declaration can say its kind and default."""

    name: str = field(metadata=option("Required: no default."))
    count: int | None = field(default=None, metadata=option("An optional integer."))
    flag: bool = field(default=False, metadata=option("A boolean."))
    key_length: int = field(default=64, metadata=option("An integer with a default."))
    words: tuple[str, ...] = field(default=(), metadata=option("A list of strings."))
    labels: dict[str, Any] = field(default_factory=dict, metadata=option("A map."))
    inner: _Inner | None = field(default=None, metadata=option("An object.", default_doc="Azure's"))
    inners: tuple[_Inner, ...] = field(default=(), metadata=option("Objects."))
    nested: _Inner = field(default_factory=lambda: _Inner("x"), metadata=option("An object with a default."))
    anything: Any = field(default=None, metadata=option("May be an Output.", kind=Kind.STR, deferrable=True))


class TestDeclarations:
    """An option's kind, requiredness and default come from its spec field; only what a field cannot say is
    written in `option(...)`."""

    @pytest.mark.parametrize(
        ("key", "kind", "required", "default"),
        [
            ("name", Kind.STR, True, ""),
            ("count", Kind.INT, False, "none"),
            ("flag", Kind.BOOL, False, "`false`"),
            ("key_length", Kind.INT, False, "`64`"),
            ("words", Kind.STR_LIST, False, "none"),
            ("labels", Kind.STR_MAP, False, "none"),
            ("inner", Kind.OBJECT, False, "Azure's"),
            ("inners", Kind.OBJECT_LIST, False, "none"),
            ("nested", Kind.OBJECT, False, "`{}`"),
            ("anything", Kind.STR, False, "none"),
        ],
    )
    def test_a_field_says_its_kind_requiredness_and_default(
        self, key: str, kind: Kind, required: bool, default: str
    ) -> None:
        declared = schema.object_schema(_Example, "example", "ExampleArgs").fields_for("args")[key]
        assert (declared.kind, declared.required, declared.default) == (kind, required, default), key

    def test_a_field_is_snake_case_in_args_and_camel_case_in_the_stack_config(self) -> None:
        example = schema.object_schema(_Example, "example", "ExampleArgs")
        assert "key_length" in example.fields_for("args") and "keyLength" in example.fields_for("config")
        assert example.fields_for("config")["anything"].deferrable, "option(...) flags carry over"

    def test_nested_types_share_one_schema(self) -> None:
        assert schema.MESH.fields_for("args")["vnets"].schema is schema.VNET, "vnets parse with the VNet schema"
        assert schema.CONNECTION.fields_for("args")["ipsec_policy"].schema is schema.IPSEC_POLICY

    def test_a_spec_field_without_a_declaration_is_refused(self) -> None:
        @dataclass(frozen=True)
        class Undeclared:
            name: str

        with pytest.raises(TypeError, match="metadata=option"):
            schema.object_schema(Undeclared, "undeclared", "UndeclaredArgs")

    def test_a_type_the_parser_cannot_read_must_name_its_kind(self) -> None:
        @dataclass(frozen=True)
        class Vague:
            value: Any = field(default=None, metadata=option("Anything."))

        with pytest.raises(TypeError, match=r"declare it with option\(kind=\.\.\.\)"):
            schema.object_schema(Vague, "vague", "VagueArgs")
