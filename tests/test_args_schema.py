"""The component's TypedDict args and the config schema describe the same keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from vnet2vnet import schema
from vnet2vnet.components import args as component_args
from vnet2vnet.components.args import VnetMeshArgs

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
    paths = []
    for key, declared in object_schema.fields_for("config").items():
        path = f"{prefix}{key}"
        paths.append(path)
        if declared.schema is not None and declared.schema is not schema.IPSEC_POLICY:
            inner = f"{path}[i]." if declared.kind is schema.Kind.OBJECT_LIST else f"{path}."
            if declared.schema is not schema.SUBNET:
                paths += _config_paths(declared.schema, inner)
    return paths


def test_readme_documents_every_config_key() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    missing = [path for path in _config_paths(schema.MESH, "") if f"`{path}`" not in readme]
    assert not missing, f"README config reference lacks: {missing}"


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
