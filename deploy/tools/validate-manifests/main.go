// validate-manifests checks rendered Kubernetes manifests (helm template output) against the Kubernetes
// API types themselves: every document is decoded strictly into the Go type the API server decodes it into
// (k8s.io/api, and the Prometheus Operator's monitoring/v1 for ServiceMonitor), so an unknown or misspelt
// field, a duplicate field or a value of the wrong type is an error, as `kubectl apply` with server-side
// field validation would report it. On top, the checks of the API server's validation that a chart can get
// wrong: names are DNS-1123, label selectors match their pod template, env var and ConfigMap/Secret key
// names are valid, containers name an image. A kind it does not know is an error, never a silent pass.
//
//	validate-manifests FILE...   (or - for standard input); exit status 1 when any document is invalid
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	sigsyaml "sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: validate-manifests FILE... (- for standard input)")
		os.Exit(2)
	}
	if err := monitoringv1.AddToScheme(scheme.Scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	failed, checked := 0, 0
	for _, file := range os.Args[1:] {
		docs, err := readDocuments(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(2)
		}
		for i, doc := range docs {
			where, problems := validate(strict, doc)
			checked++
			for _, p := range problems {
				failed++
				fmt.Printf("%s: document %d (%s): %s\n", file, i+1, where, p)
			}
		}
	}
	if failed > 0 {
		fmt.Printf("%d problems in %d documents\n", failed, checked)
		os.Exit(1)
	}
	fmt.Printf("%d documents valid\n", checked)
}

func readDocuments(file string) ([][]byte, error) {
	var in io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if isEmpty(doc) {
			continue
		}
		docs = append(docs, doc)
	}
}

func isEmpty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		if t != "" && t != "---" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

func validate(strict *json.Serializer, doc []byte) (string, []string) {
	var meta struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
	}
	if err := sigsyaml.Unmarshal(doc, &meta); err != nil {
		return "?", []string{fmt.Sprintf("not YAML: %v", err)}
	}
	where := fmt.Sprintf("%s %s/%s", meta.APIVersion, meta.Kind, meta.Metadata.Name)
	var problems []string
	if meta.APIVersion == "" || meta.Kind == "" {
		return where, []string{"apiVersion and kind are required"}
	}
	problems = append(problems, dnsSubdomain("metadata.name", meta.Metadata.Name)...)
	if meta.Metadata.Namespace != "" {
		problems = append(problems, prefixed("metadata.namespace", validation.IsDNS1123Label(meta.Metadata.Namespace))...)
	}
	for k, v := range meta.Metadata.Labels {
		problems = append(problems, prefixed("metadata.labels key "+k, validation.IsQualifiedName(k))...)
		problems = append(problems, prefixed("metadata.labels["+k+"]", validation.IsValidLabelValue(v))...)
	}

	if strings.HasPrefix(meta.APIVersion, "kafka.strimzi.io/") {
		return where, append(problems, validateKafkaConnector(meta.Kind, doc)...)
	}
	obj, _, err := strict.Decode(doc, nil, nil)
	if err != nil {
		return where, append(problems, err.Error())
	}
	return where, append(problems, semantic(obj)...)
}

// semantic: the API server's checks that strict decoding does not make and a chart can get wrong.
func semantic(obj runtime.Object) []string {
	var problems []string
	switch o := obj.(type) {
	case *appsv1.Deployment:
		problems = append(problems, selectorMatches("spec.selector", o.Spec.Selector, o.Spec.Template.Labels)...)
		problems = append(problems, podSpec("spec.template.spec", &o.Spec.Template.Spec)...)
	case *batchv1.Job:
		problems = append(problems, podSpec("spec.template.spec", &o.Spec.Template.Spec)...)
		if p := o.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
			problems = append(problems, "spec.template.spec.restartPolicy: a Job's must be Never or OnFailure")
		}
	case *corev1.ConfigMap:
		for k := range o.Data {
			problems = append(problems, prefixed("data key "+k, validation.IsConfigMapKey(k))...)
		}
	case *corev1.Secret:
		for k := range o.Data {
			problems = append(problems, prefixed("data key "+k, validation.IsConfigMapKey(k))...)
		}
		for k := range o.StringData {
			problems = append(problems, prefixed("stringData key "+k, validation.IsConfigMapKey(k))...)
		}
	case *corev1.Service:
		if len(o.Spec.Ports) == 0 {
			problems = append(problems, "spec.ports: at least one port is required")
		}
	}
	return problems
}

func podSpec(path string, spec *corev1.PodSpec) []string {
	var problems []string
	if len(spec.Containers) == 0 {
		problems = append(problems, path+".containers: at least one container is required")
	}
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		cp := fmt.Sprintf("%s.containers[%s]", path, c.Name)
		problems = append(problems, prefixed(cp+".name", validation.IsDNS1123Label(c.Name))...)
		if c.Image == "" {
			problems = append(problems, cp+".image: required")
		}
		for _, e := range c.Env {
			problems = append(problems, prefixed(cp+".env "+e.Name, validation.IsEnvVarName(e.Name))...)
			if e.ValueFrom != nil && e.Value != "" {
				problems = append(problems, cp+".env "+e.Name+": value and valueFrom are exclusive")
			}
		}
		for _, p := range c.Ports {
			if p.Name != "" {
				problems = append(problems, prefixed(cp+".ports "+p.Name, validation.IsValidPortName(p.Name))...)
			}
		}
	}
	return problems
}

func selectorMatches(path string, selector *metav1.LabelSelector, podLabels map[string]string) []string {
	if selector == nil {
		return []string{path + ": required"}
	}
	s, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return []string{path + ": " + err.Error()}
	}
	if s.Empty() || !s.Matches(labels.Set(podLabels)) {
		return []string{path + ": does not match the pod template's labels"}
	}
	return nil
}

// Strimzi's KafkaConnector has no Go types in a Go module; its spec's fields, from the CRD
// (kafkaconnectors.kafka.strimzi.io, v1beta2 and v1), are checked strictly here.
type kafkaConnector struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       *struct {
		Class       string `json:"class"`
		TasksMax    *int32 `json:"tasksMax,omitempty"`
		AutoRestart *struct {
			Enabled     *bool  `json:"enabled,omitempty"`
			MaxRestarts *int32 `json:"maxRestarts,omitempty"`
		} `json:"autoRestart,omitempty"`
		Config       map[string]interface{} `json:"config,omitempty"`
		State        string                 `json:"state,omitempty"`
		Pause        *bool                  `json:"pause,omitempty"`
		ListOffsets  map[string]interface{} `json:"listOffsets,omitempty"`
		AlterOffsets map[string]interface{} `json:"alterOffsets,omitempty"`
	} `json:"spec"`
}

func validateKafkaConnector(kind string, doc []byte) []string {
	if kind != "KafkaConnector" {
		return []string{"kind " + kind + " of kafka.strimzi.io is not known to this validator"}
	}
	var c kafkaConnector
	if err := sigsyaml.UnmarshalStrict(doc, &c); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if c.Spec == nil || c.Spec.Class == "" {
		problems = append(problems, "spec.class: required")
	}
	if c.Metadata.Labels["strimzi.io/cluster"] == "" {
		problems = append(problems, "metadata.labels[strimzi.io/cluster]: required (the KafkaConnect cluster that runs it)")
	}
	if c.Spec != nil {
		switch c.Spec.State {
		case "", "running", "paused", "stopped":
		default:
			problems = append(problems, "spec.state: one of running, paused, stopped")
		}
		for k, v := range c.Spec.Config {
			switch v.(type) {
			case string, bool, float64, int64:
			default:
				problems = append(problems, "spec.config["+k+"]: a scalar is expected")
			}
		}
	}
	return problems
}

func dnsSubdomain(path, name string) []string {
	if name == "" {
		return []string{path + ": required"}
	}
	return prefixed(path, validation.IsDNS1123Subdomain(name))
}

func prefixed(path string, messages []string) []string {
	out := make([]string, 0, len(messages))
	for _, m := range messages {
		out = append(out, path+": "+m)
	}
	return out
}
