// A Python language host for the real Pulumi CLI, for vnet2vnet's tests only.
//
// The Go module proxy refuses the Pulumi Python language host module, so the real-engine tests could only run our
// program as an Automation API inline program. This host lets the real CLI run it the way `pulumi up` does: it
// speaks the LanguageRuntime protocol (sdk/v3 proto/language.proto), resolves the virtualenv and runs `pip` with the
// toolchain package of the SDK at the CLI's own version (sdk/v3 python/toolchain), and runs the program through the
// runner that ships in that same module (sdk/v3 python/cmd/pulumi-language-python-exec), whose path is fixed at
// build time (tools/pulumi/build-test-tool.sh python-host). Nothing of either is copied into the repository.
//
// It is placed only beside a rehearsal's own hard link of the CLI (the CLI looks for a language host beside its
// resolved executable), never beside the shared cached CLI or on PATH: users have the real host.
//
// What the real host does that this one does not is listed in the README ("Our Python language host").
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// runnerPath is the SDK's program runner at the CLI's version, set by the build (-ldflags -X main.runnerPath=...).
var runnerPath string

const (
	// The runner's exit code after it has shown the user an actionable message (pulumi-language-python-exec).
	exitAfterUserMessage = 32
	// How long a cancelled program may take to stop after its interrupt before it is killed.
	stopGrace = 5 * time.Second
)

func main() {
	showVersion := flag.Bool("version", false, "print the version of the SDK this host was built from and exit")
	flag.String("tracing", "", "accepted for the CLI's sake; this host emits no traces")
	// Hosts built on an older SDK (the YAML language host, loading a package's schema) pass the runtime options as
	// flags too; the same options arrive in every request's ProgramInfo, which is what this host reads.
	for _, option := range []string{"root", "virtualenv", "toolchain", "typechecker", "use-executor"} {
		flag.String(option, "", "accepted; the options are read from each request's ProgramInfo")
	}
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	if runnerPath == "" {
		fail(errors.New("built without the runner's path: build it with tools/pulumi/build-test-tool.sh python-host"))
	}
	if _, err := os.Stat(runnerPath); err != nil {
		fail(fmt.Errorf("the program runner %s is missing (the Go module cache was cleaned?): %w", runnerPath, err))
	}
	engineAddress := flag.Arg(0)

	// A Ctrl-C reaches the whole process group: stop serving, as the real host does, and let the program's own
	// process (which got the same signal) end as the runner makes it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelled := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(cancelled)
	}()
	if engineAddress != "" {
		// Every second, not the real host's five minutes: a killed CLI leaves no host of ours running.
		if err := rpcutil.Healthcheck(ctx, engineAddress, time.Second, stop); err != nil {
			fail(fmt.Errorf("could not start the engine health check: %w", err))
		}
	}
	hostCtx, cancelHost := context.WithCancel(context.Background())
	host := &pythonHost{engineAddress: engineAddress, cancelled: hostCtx, cancel: cancelHost}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelled,
		Init: func(server *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(server, host)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host's server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port) // the CLI reads the port from the first line
	if err := <-handle.Done; err != nil {
		fail(fmt.Errorf("the language host's server stopped: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python (vnet2vnet test host): %v\n", err)
	os.Exit(1)
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
	cancelled     context.Context // done once the engine calls Cancel
	cancel        context.CancelFunc
}

// pythonOptions reads Pulumi.yaml's `runtime.options` as the real host does: `virtualenv` (relative to the project
// root), `toolchain` (only pip here) and `typechecker` (not supported here). A plugin defaults to a `venv` folder.
func pythonOptions(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	options := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	given := info.GetOptions().AsMap()
	if value, ok := given["virtualenv"]; ok {
		text, isText := value.(string)
		if !isText {
			return options, errors.New("virtualenv option must be a string")
		}
		options.Virtualenv = text
	}
	if value, ok := given["toolchain"]; ok {
		text, isText := value.(string)
		if !isText {
			return options, errors.New("toolchain option must be a string")
		}
		switch text {
		case "pip":
			options.Toolchain = toolchain.Pip
		case "poetry", "uv":
			return options, fmt.Errorf("toolchain option %s: vnet2vnet's test host supports pip only", text)
		default:
			return options, fmt.Errorf("unsupported toolchain option: %s", text)
		}
	}
	if value, ok := given["typechecker"]; ok {
		text, isText := value.(string)
		if !isText {
			return options, errors.New("typechecker option must be a string")
		}
		if text != "mypy" && text != "pyright" {
			return options, fmt.Errorf("unsupported typechecker option: %s", text)
		}
		return options, fmt.Errorf("typechecker option %s: vnet2vnet's test host runs no typechecker", text)
	}
	if isPlugin && options.Virtualenv == "" {
		options.Virtualenv = "venv"
	}
	return options, nil
}

func resolve(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.Toolchain, error) {
	options, err := pythonOptions(info, isPlugin)
	if err != nil {
		return nil, err
	}
	return toolchain.ResolveToolchain(options)
}

func (h *pythonHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *pythonHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "GetRequiredPlugins: the CLI asks for GetRequiredPackages")
}

// pluginFiles lists every installed distribution that ships a pulumi-plugin.json in a top-level package, with that
// file's content: the venv's own answer to "which Pulumi packages does this program have installed".
const pluginFiles = `
import importlib.metadata, json, sys
found = []
for dist in importlib.metadata.distributions():
    for entry in dist.files or []:
        parts = entry.parts
        if len(parts) == 2 and parts[1] == "pulumi-plugin.json":
            found.append({"distribution": dist.metadata["Name"], "version": dist.version,
                          "plugin": json.loads(entry.read_text() or "{}")})
json.dump(found, sys.stdout)
`

type pluginFile struct {
	Distribution string `json:"distribution"`
	Version      string `json:"version"`
	Plugin       struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"plugin"`
}

func (h *pythonHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	// As the real host does, a missing venv is created here (with `pip install -r requirements.txt`).
	if err := tc.EnsureVenv(ctx, req.GetInfo().GetProgramDirectory(), false, true, os.Stderr, os.Stderr); err != nil {
		return nil, err
	}
	// The installed packages as the toolchain lists them (`pip list`), as the real host does first: a folder that is
	// not a virtualenv fails here with the toolchain's own error.
	listed, err := tc.ListPackages(ctx, true)
	if err != nil {
		return nil, err
	}
	installed := map[string]bool{}
	for _, dependency := range listed {
		installed[dependency.Name] = true
	}
	cmd, err := tc.Command(ctx, "-c", pluginFiles)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	output, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the venv's pulumi-plugin.json files: %w", err)
	}
	var files []pluginFile
	if err := json.Unmarshal(output, &files); err != nil {
		return nil, fmt.Errorf("reading the venv's pulumi-plugin.json files: %w", err)
	}
	var packages []*pulumirpc.PackageDependency
	for _, file := range files {
		if !file.Plugin.Resource || !installed[normalized(file.Distribution)] { // `resource: false`: no plugin
			continue
		}
		name := file.Plugin.Name
		if name == "" {
			name = strings.TrimPrefix(strings.ToLower(file.Distribution), "pulumi-")
		}
		pluginVersion := file.Plugin.Version
		if pluginVersion == "" {
			pluginVersion = file.Version
		}
		if !strings.HasPrefix(pluginVersion, "v") {
			pluginVersion = "v" + pluginVersion
		}
		packages = append(packages, &pulumirpc.PackageDependency{
			Name: name, Version: pluginVersion, Kind: "resource", Server: file.Plugin.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// normalized is a distribution's name as `pip list` spells it (PEP 503: lower case, runs of -_. as one -).
func normalized(name string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return r == '-' || r == '_' || r == '.'
	}), "-")
}

// runnerArguments are the runner's command line: every option it accepts that the request or the host has a value
// for (pulumi-language-python-exec's argparse), then the entry point and the program's own arguments.
func (h *pythonHost) runnerArguments(req *pulumirpc.RunRequest) []string {
	args := []string{runnerPath}
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	args = append(args, req.GetInfo().GetEntryPoint())
	return append(args, req.GetArgs()...)
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if h.engineAddress == "" {
		return nil, errors.New("Run before the engine's address is known (no argument, no Handshake)")
	}
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	// No config, no PULUMI_CONFIG: the runner's SDK reads "null" as a config and fails on it.
	var config []byte
	if len(req.GetConfig()) > 0 {
		if config, err = json.Marshal(req.GetConfig()); err != nil {
			return nil, fmt.Errorf("failed to serialize configuration: %w", err)
		}
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
	}
	// Ends with the engine's Cancel or with the request.
	runCtx, stopRun := context.WithCancel(h.cancelled)
	defer stopRun()
	context.AfterFunc(ctx, stopRun)
	cmd, err := tc.Command(runCtx, h.runnerArguments(req)...)
	if err != nil {
		return nil, err
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = stopGrace
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	if config != nil {
		env = append(env, "PULUMI_CONFIG="+string(config))
	}
	cmd.Env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if err := cmd.Run(); err != nil {
		// The program's last words must reach the engine before the error does.
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exited *exec.ExitError
		if !errors.As(err, &exited) {
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("problem executing program (could not run language executor): %v", err),
			}, nil
		}
		if waited, ok := exited.Sys().(syscall.WaitStatus); ok && waited.ExitStatus() == exitAfterUserMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil // the runner has told the user already
		} else if ok && waited.ExitStatus() > 0 {
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", waited.ExitStatus()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited unexpectedly: %v", exited)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, err := resolve(req.GetInfo(), req.GetIsPlugin())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(),
		req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// RunPlugin boots a plugin directory (PulumiPlugin.yaml) as the real host does for one with a __main__.py:
// `python <directory> <engine address>` in the plugin's own venv, from the engine's working directory.
func (h *pythonHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	if req.GetKind() == "analyzer" {
		return errors.New("policy packs: vnet2vnet's test host runs resource plugins only")
	}
	tc, err := resolve(req.GetInfo(), true)
	if err != nil {
		return err
	}
	program := req.GetInfo().GetProgramDirectory()
	if _, err := os.Stat(filepath.Join(program, "__main__.py")); err != nil {
		return fmt.Errorf("plugin %s: vnet2vnet's test host runs a plugin's __main__.py only: %w", program, err)
	}
	cmd, err := tc.Command(server.Context(), append([]string{program}, req.GetArgs()...)...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd.Dir = req.GetPwd()
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var exited *exec.ExitError
		if errors.As(err, &exited) {
			if waited, ok := exited.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(waited.ExitStatus())},
				})
			}
		}
		return fmt.Errorf("problem executing plugin program (could not run language executor): %w", err)
	}
	return closer.Close()
}

func (h *pythonHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	about, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: about.PythonExecutable, Version: about.PythonVersion.String(),
		Metadata: map[string]string{"toolchain": "pip", "host": "vnet2vnet test host"},
	}, nil
}

func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolve(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	listed, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	dependencies := make([]*pulumirpc.DependencyInfo, 0, len(listed))
	for _, dependency := range listed {
		dependencies = append(dependencies, &pulumirpc.DependencyInfo{Name: dependency.Name, Version: dependency.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: dependencies}, nil
}

func (h *pythonHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}
