// vault-dev: a real HashiCorp Vault (v1.21.4's own core and HTTP API, used as a library) serving in memory, the
// equivalent of `vault server -dev` for the vault provider's tests. Vault's `command` package (the vault binary)
// does not build from the Go module proxy, so this wires the core up itself the way dev mode does
// (command/server.go enableDev), with only the plugins the tests need.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	credJWT "github.com/hashicorp/vault-plugin-auth-jwt"
	credKube "github.com/hashicorp/vault-plugin-auth-kubernetes"
	logicalKv "github.com/hashicorp/vault-plugin-secrets-kv"
	credAppRole "github.com/hashicorp/vault/builtin/credential/approle"
	credCert "github.com/hashicorp/vault/builtin/credential/cert"
	credLdap "github.com/hashicorp/vault/builtin/credential/ldap"
	credUserpass "github.com/hashicorp/vault/builtin/credential/userpass"
	"github.com/hashicorp/vault/helper/namespace"
	vaulthttp "github.com/hashicorp/vault/http"
	"github.com/hashicorp/vault/internalshared/configutil"
	"github.com/hashicorp/vault/sdk/helper/consts"
	"github.com/hashicorp/vault/sdk/logical"
	physInmem "github.com/hashicorp/vault/sdk/physical/inmem"
	"github.com/hashicorp/vault/vault"
)

// registry stands in for helper/builtinplugins (which imports engines that do not build here). Mounting a type that
// is not in CoreConfig's backend maps goes through the plugin catalog, which asks this registry for builtins.
type registry struct {
	credential map[string]logical.Factory
	secrets    map[string]logical.Factory
}

func (r registry) table(t consts.PluginType) map[string]logical.Factory {
	switch t {
	case consts.PluginTypeCredential:
		return r.credential
	case consts.PluginTypeSecrets:
		return r.secrets
	}
	return nil
}

func (r registry) Get(name string, t consts.PluginType) (func() (interface{}, error), bool) {
	f, ok := r.table(t)[name]
	if !ok {
		return nil, false
	}
	return func() (interface{}, error) { return f, nil }, true
}

func (r registry) Contains(name string, t consts.PluginType) bool {
	_, ok := r.table(t)[name]
	return ok
}

func (r registry) Keys(t consts.PluginType) []string {
	var keys []string
	for k := range r.table(t) {
		keys = append(keys, k)
	}
	return keys
}

func (r registry) DeprecationStatus(name string, t consts.PluginType) (consts.DeprecationStatus, bool) {
	if r.Contains(name, t) {
		return consts.Supported, true
	}
	return consts.Unknown, false
}

func (registry) IsBuiltinEntPlugin(string, consts.PluginType) bool { return false }

var builtins = registry{
	credential: map[string]logical.Factory{
		"approle":    credAppRole.Factory,
		"cert":       credCert.Factory,
		"jwt":        credJWT.Factory,
		"oidc":       credJWT.Factory,
		"kubernetes": credKube.Factory,
		"ldap":       credLdap.Factory,
		"userpass":   credUserpass.Factory,
	},
	secrets: map[string]logical.Factory{"kv": logicalKv.Factory},
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8200", "address to serve the HTTP API on")
	rootToken := flag.String("root-token", "root", "id of the root token to create")
	tlsCert := flag.String("tls-cert", "", "PEM certificate file: serve HTTPS (with -tls-key)")
	tlsKey := flag.String("tls-key", "", "PEM private key file for -tls-cert")
	logLevel := flag.String("log-level", "warn", "Vault's log level (written to stderr)")
	flag.Parse()
	if err := run(*listen, *rootToken, *tlsCert, *tlsKey, *logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "vault-dev:", err)
		os.Exit(1)
	}
}

func run(listen, rootToken, tlsCert, tlsKey, logLevel string) error {
	// Caught from the start, so a stop during start-up still ends through the shutdown below.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	logger := hclog.New(&hclog.LoggerOptions{Name: "vault", Level: hclog.LevelFromString(logLevel), Output: os.Stderr})
	storage, err := physInmem.NewInmem(nil, logger)
	if err != nil {
		return err
	}
	// Bind (and read the certificate) before building the core, so a taken port or a bad file fails fast and
	// never after VAULT_READY.
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
		if err != nil {
			return err
		}
		scheme = "https"
		// Ask for (not require) a client certificate, as Vault's own listener does: cert auth reads it.
		ln = tls.NewListener(ln, &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			ClientAuth:   tls.RequestClientCert,
		})
	}
	address := fmt.Sprintf("%s://%s", scheme, ln.Addr())

	core, err := vault.NewCore(&vault.CoreConfig{
		Physical:        storage,
		Logger:          logger,
		BuiltinRegistry: builtins,
		// "kv" as a direct backend, as the vault binary has it, so secret/ mounts without the catalog.
		LogicalBackends: map[string]logical.Factory{"kv": logicalKv.Factory},
		DisableMlock:    true,
		EnableRaw:       true,
		RedirectAddr:    address,
		DevToken:        rootToken,
		// Seal left nil: NewCore then uses a shamir seal, as dev mode does.
	})
	if err != nil {
		return err
	}
	defer core.Shutdown()
	if err := initDev(core, rootToken); err != nil {
		return err
	}

	server := &http.Server{
		Handler: vaulthttp.Handler.Handler(&vault.HandlerProperties{
			Core:           core,
			ListenerConfig: &configutil.Listener{Address: ln.Addr().String()},
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	fmt.Printf("VAULT_READY %s\n", address)

	select {
	case <-stop:
	case err := <-served:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// initDev does what enableDev does: one unseal key, unseal, swap the generated root token for one with the chosen
// id (tests know it in advance), and KV v2 at secret/.
func initDev(core *vault.Core, rootToken string) error {
	ctx := namespace.RootContext(context.Background())
	init, err := core.Initialize(ctx, &vault.InitParams{
		BarrierConfig: &vault.SealConfig{SecretShares: 1, SecretThreshold: 1, Name: "shamir"},
	})
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if unsealed, err := core.Unseal(init.SecretShares[0]); err != nil {
		return fmt.Errorf("unseal: %w", err)
	} else if !unsealed {
		return errors.New("still sealed after unsealing with the only key")
	}
	// The core becomes active (and serves writes) a moment after unsealing.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if active, _, _, err := core.Leader(); err == nil && active || errors.Is(err, vault.ErrHANotEnabled) {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("core did not become active within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}

	do := func(path string, data map[string]interface{}, token string) (*logical.Response, error) {
		resp, err := core.HandleRequest(ctx, &logical.Request{
			Operation: logical.UpdateOperation, Path: path, Data: data, ClientToken: token,
		})
		if err == nil && resp.IsError() {
			err = resp.Error()
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return resp, nil
	}
	resp, err := do("auth/token/create", map[string]interface{}{
		"id": rootToken, "policies": []string{"root"}, "no_parent": true, "no_default_policy": true,
	}, init.RootToken)
	if err != nil {
		return err
	}
	if resp == nil || resp.Auth == nil {
		return errors.New("auth/token/create returned no token")
	}
	if _, err := do("auth/token/revoke-self", nil, init.RootToken); err != nil {
		return err
	}
	_, err = do("sys/mounts/secret", map[string]interface{}{
		"type": "kv", "path": "secret/", "description": "key/value secret storage",
		"options": map[string]string{"version": "2"},
	}, rootToken)
	return err
}
