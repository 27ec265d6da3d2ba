// --validate: ESO's own admission validators (the code its `webhook` command serves) over JSON lines, so the
// differential tests can compare Custos's webhook answers with ESO's without TLS or a second API server.
// Each input line is {"kind": "ExternalSecret|SecretStore|ClusterSecretStore", "object": {...}}; each output line
// is {"allowed": bool, "message": "...", "warnings": [...]}, message being the error text the webhook would deny with.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

type validateInput struct {
	Kind   string          `json:"kind"`
	Object json.RawMessage `json:"object"`
}

type validateOutput struct {
	Allowed  bool     `json:"allowed"`
	Message  string   `json:"message,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

func validateLines(in io.Reader, out io.Writer) error {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 0, 1<<20), 8<<20)
	encoder := json.NewEncoder(out)
	for scanner.Scan() {
		var input validateInput
		if err := json.Unmarshal(scanner.Bytes(), &input); err != nil {
			return fmt.Errorf("bad input line: %w", err)
		}
		var obj runtime.Object
		var validator admission.CustomValidator
		switch input.Kind {
		case "ExternalSecret":
			obj, validator = &esv1.ExternalSecret{}, &esv1.ExternalSecretValidator{}
		case "SecretStore":
			obj, validator = &esv1.SecretStore{}, &esv1.GenericStoreValidator{}
		case "ClusterSecretStore":
			obj, validator = &esv1.ClusterSecretStore{}, &esv1.GenericStoreValidator{}
		default:
			return fmt.Errorf("unknown kind %q", input.Kind)
		}
		if err := json.Unmarshal(input.Object, obj); err != nil {
			return fmt.Errorf("decode %s: %w", input.Kind, err)
		}
		warnings, err := validator.ValidateCreate(context.Background(), obj)
		answer := validateOutput{Allowed: err == nil, Warnings: warnings}
		if err != nil {
			answer.Message = err.Error()
		}
		if err := encoder.Encode(answer); err != nil {
			return err
		}
	}
	return scanner.Err()
}
