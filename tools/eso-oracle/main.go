// The real External Secrets Operator (v0.16.2, the newest release the Go module proxy serves whole), built from its
// published Go module with only the fake, kubernetes, webhook, onepassword, akeyless and vault providers linked in, so
// Custos can be compared with ESO by running both: bench/sync (speed, API requests) and the differential tests (the
// Secrets each one writes).
//
// The controllers (ExternalSecret, SecretStore, ClusterSecretStore, ClusterExternalSecret, PushSecret,
// ClusterPushSecret) are ESO's own; this file only wires them the way ESO's `controller` command does by default
// (managed-Secrets cache, no cache of all Secrets/ConfigMaps, flood gate on) and keeps ESO's flag names.
//
// One change: ESO's fake provider keeps one map per store *name* shared by every client, and writes it in
// NewClient without a lock, so two concurrent reconciles (--concurrent > 1) crash the process with "fatal error:
// concurrent map writes" (fake.go:80 in v0.16.2). Each client here gets its own fake provider instance instead;
// reads answer the same (from the store's spec), only values pushed by PushSecret no longer outlive their client.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	esv1alpha1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1alpha1"
	genv1alpha1 "github.com/external-secrets/external-secrets/apis/generators/v1alpha1"
	"github.com/external-secrets/external-secrets/pkg/controllers/clusterexternalsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/clusterexternalsecret/cesmetrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/clusterpushsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/clusterpushsecret/cpsmetrics"
	ctrlcommon "github.com/external-secrets/external-secrets/pkg/controllers/common"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret/esmetrics"
	ctrlmetrics "github.com/external-secrets/external-secrets/pkg/controllers/metrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/pushsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/pushsecret/psmetrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/cssmetrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/ssmetrics"
	"github.com/external-secrets/external-secrets/pkg/provider/fake"
	_ "github.com/external-secrets/external-secrets/pkg/provider/akeyless"
	_ "github.com/external-secrets/external-secrets/pkg/provider/kubernetes"
	_ "github.com/external-secrets/external-secrets/pkg/provider/onepassword"
	_ "github.com/external-secrets/external-secrets/pkg/provider/vault"
	_ "github.com/external-secrets/external-secrets/pkg/provider/webhook"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// isolatedFake is ESO's fake provider with one instance per client (see the file comment).
type isolatedFake struct{ fake.Provider }

func (isolatedFake) NewClient(ctx context.Context, store esv1.GenericStore, kube client.Client, namespace string) (esv1.SecretsClient, error) {
	return (&fake.Provider{}).NewClient(ctx, store, kube, namespace)
}

func init() {
	esv1.ForceRegister(&isolatedFake{}, &esv1.SecretStoreProvider{Fake: &esv1.FakeProvider{}}, esv1.MaintenanceStatusNotMaintained)
}

func main() {
	controllerClass := flag.String("controller-class", "default", "handle only stores of this controller class")
	concurrent := flag.Int("concurrent", 1, "concurrent reconciles per controller")
	qps := flag.Float64("client-qps", 50, "client QPS")
	burst := flag.Int("client-burst", 100, "client burst")
	metricsAddr := flag.String("metrics-addr", "0", "metrics address (0: off)")
	storeRequeue := flag.Duration("store-requeue-interval", 5*time.Minute, "store revalidation interval")
	namespace := flag.String("namespace", "", "watch ExternalSecrets and stores of this namespace only")
	enableCES := flag.Bool("enable-cluster-external-secret-reconciler", true, "run the ClusterExternalSecret controller")
	enablePush := flag.Bool("enable-push-secret-reconciler", true, "run the PushSecret controller")
	enableCPS := flag.Bool("enable-cluster-push-secret-reconciler", true, "run the ClusterPushSecret controller")
	extendedLabels := flag.Bool("enable-extended-metric-labels", false, "app.kubernetes.io labels on the metrics")
	verbose := flag.Bool("verbose", false, "info-level logs (default: errors only)")
	validate := flag.Bool("validate", false, "answer admission checks on stdin with ESO's webhook validators, then exit")
	flag.Parse()
	if *validate {
		must(validateLines(os.Stdin, os.Stdout))
		return
	}

	var logOptions []zap.Opts
	if !*verbose {
		logOptions = append(logOptions, zap.Level(zapcore.ErrorLevel))
	}
	ctrl.SetLogger(zap.New(logOptions...))

	scheme := runtime.NewScheme()
	must(clientgoscheme.AddToScheme(scheme))
	must(esv1.AddToScheme(scheme))
	must(esv1alpha1.AddToScheme(scheme))
	must(genv1alpha1.AddToScheme(scheme))

	config := ctrl.GetConfigOrDie()
	config.QPS = float32(*qps)
	config.Burst = *burst
	managerOptions := ctrl.Options{
		Scheme:  scheme,
		Metrics: server.Options{BindAddress: *metricsAddr},
		// ESO's defaults: never cache every Secret or ConfigMap of the cluster.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
	}
	if *namespace != "" {
		managerOptions.Cache.DefaultNamespaces = map[string]cache.Config{*namespace: {}}
	}
	mgr, err := ctrl.NewManager(config, managerOptions)
	must(err)
	secretClient, err := ctrlcommon.BuildManagedSecretClient(mgr, *namespace)
	must(err)

	options := func() controller.Options {
		return controller.Options{MaxConcurrentReconciles: *concurrent, RateLimiter: ctrlcommon.BuildRateLimiter()}
	}
	// Before any SetUpMetrics, as ESO's root command does: without it the metrics carry no labels at all.
	ctrlmetrics.SetUpLabelNames(*extendedLabels)
	ssmetrics.SetUpMetrics()
	cssmetrics.SetUpMetrics()
	esmetrics.SetUpMetrics()
	cesmetrics.SetUpMetrics()
	log := ctrl.Log.WithName("controllers")
	must((&secretstore.StoreReconciler{Client: mgr.GetClient(), Log: log.WithName("SecretStore"), Scheme: scheme,
		ControllerClass: *controllerClass, RequeueInterval: *storeRequeue}).SetupWithManager(mgr, options()))
	must((&secretstore.ClusterStoreReconciler{Client: mgr.GetClient(), Log: log.WithName("ClusterSecretStore"),
		Scheme: scheme, ControllerClass: *controllerClass, RequeueInterval: *storeRequeue}).SetupWithManager(mgr, options()))
	must((&externalsecret.Reconciler{Client: mgr.GetClient(), SecretClient: secretClient,
		Log: log.WithName("ExternalSecret"), Scheme: scheme, RestConfig: mgr.GetConfig(),
		ControllerClass: *controllerClass, RequeueInterval: time.Hour, ClusterSecretStoreEnabled: true,
		EnableFloodGate: true}).SetupWithManager(mgr, options()))
	if *enablePush {
		psmetrics.SetUpMetrics()
		must((&pushsecret.Reconciler{Client: mgr.GetClient(), Log: log.WithName("PushSecret"), Scheme: scheme,
			ControllerClass: *controllerClass, RestConfig: mgr.GetConfig(), RequeueInterval: time.Hour}).SetupWithManager(mgr, options()))
	}
	if *enableCES {
		must((&clusterexternalsecret.Reconciler{Client: mgr.GetClient(), Log: log.WithName("ClusterExternalSecret"),
			Scheme: scheme, RequeueInterval: time.Hour}).SetupWithManager(mgr, options()))
	}
	if *enableCPS {
		cpsmetrics.SetUpMetrics()
		must((&clusterpushsecret.Reconciler{Client: mgr.GetClient(), Log: log.WithName("ClusterPushSecret"),
			Scheme: scheme, RequeueInterval: time.Hour,
			Recorder: mgr.GetEventRecorderFor("external-secrets-controller")}).SetupWithManager(mgr, options()))
	}

	fmt.Fprintln(os.Stderr, "eso-oracle: starting")
	must(mgr.Start(ctrl.SetupSignalHandler()))
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "eso-oracle:", err)
		os.Exit(1)
	}
}
