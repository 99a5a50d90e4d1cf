// Generates the TypeScript SDK of a Pulumi package from its schema, for vnet2vnet's tests only.
//
// `pulumi package gen-sdk --language nodejs` runs the Node.js language host, which the Go module proxy refuses
// here; that host generates the SDK with pkg/v3/codegen/nodejs, at the CLI's own version, which this tool calls.
// The schema comes from `pulumi package get-schema ./provider` (the component plugin booted by our Python host);
// the packages it references (azure-native) are bound from the schema files given with -reference.
//
//	nodejs-sdk -schema vnet2vnet.json -reference azure-native.json -out sdks/vnet2vnet
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

type referenceFlags []string

func (r *referenceFlags) String() string        { return strings.Join(*r, ",") }
func (r *referenceFlags) Set(path string) error { *r = append(*r, path); return nil }

// schemaFiles loads the referenced packages from the schema files given, by name; nothing else is reachable.
type schemaFiles map[string]*schema.Package

func (s schemaFiles) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	if pkg, ok := s[name]; ok {
		return pkg, nil
	}
	return nil, fmt.Errorf("package %s: no schema file given for it (-reference)", name)
}

func (s schemaFiles) LoadPackageV2(_ context.Context, descriptor *schema.PackageDescriptor) (*schema.Package, error) {
	return s.LoadPackage(descriptor.Name, descriptor.Version)
}

func (s schemaFiles) LoadPackageReference(name string, version *semver.Version) (schema.PackageReference, error) {
	pkg, err := s.LoadPackage(name, version)
	if err != nil {
		return nil, err
	}
	return pkg.Reference(), nil
}

func (s schemaFiles) LoadPackageReferenceV2(
	ctx context.Context, descriptor *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return s.LoadPackageReference(descriptor.Name, descriptor.Version)
}

func readSpec(path string) (schema.PackageSpec, error) {
	var spec schema.PackageSpec
	data, err := os.ReadFile(path)
	if err != nil {
		return spec, err
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return spec, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

func run() error {
	schemaPath := flag.String("schema", "", "the package's schema (JSON), as `pulumi package get-schema` prints it")
	out := flag.String("out", "", "the folder to write the SDK into (must not exist)")
	var references referenceFlags
	flag.Var(&references, "reference", "the schema (JSON) of a package the schema references; repeatable")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		return errors.New("usage: nodejs-sdk -schema FILE [-reference FILE]... -out DIR")
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("%s exists: the SDK is written into a new folder only", *out)
	}
	loader := schemaFiles{}
	languages := map[string]schema.Language{"nodejs": nodejs.Importer}
	for _, path := range references {
		spec, err := readSpec(path)
		if err != nil {
			return err
		}
		pkg, err := schema.ImportSpec(spec, languages, loader, schema.ValidationOptions{})
		if err != nil {
			return fmt.Errorf("binding %s: %w", path, err)
		}
		loader[pkg.Name] = pkg
	}
	spec, err := readSpec(*schemaPath)
	if err != nil {
		return err
	}
	pkg, err := schema.ImportSpec(spec, languages, loader, schema.ValidationOptions{})
	if err != nil {
		return fmt.Errorf("binding %s: %w", *schemaPath, err)
	}
	files, err := nodejs.GeneratePackage("vnet2vnet-nodejs-sdk", pkg, nil, nil, false, loader)
	if err != nil {
		return fmt.Errorf("generating the SDK: %w", err)
	}
	for name, content := range files {
		path := filepath.Join(*out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %d files of the %s SDK to %s\n", len(files), pkg.Name, *out)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "nodejs-sdk: %v\n", err)
		os.Exit(1)
	}
}
