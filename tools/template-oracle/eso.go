package main

// ESO's own template functions (reference/eso.md section 3), re-implemented from their documented behaviour:
// same inputs, outputs and error texts, including the places where ESO panics on malformed PEM (text/template
// turns a panicking function into "error calling NAME: ..." and so do we, by doing the same dereference).

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"strings"
	"text/template"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"sigs.k8s.io/yaml"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"

	_ "crypto/sha1" // registers crypto.SHA1 for rsaDecrypt's "SHA1" hash
)

func esoFuncs() template.FuncMap {
	return template.FuncMap{
		"pkcs12key":                 func(in string) (string, error) { return pkcs12KeyPass("", in) },
		"pkcs12keyPass":             pkcs12KeyPass,
		"pkcs12cert":                func(in string) (string, error) { return pkcs12CertPass("", in) },
		"pkcs12certPass":            pkcs12CertPass,
		"pemToPkcs12":               func(cert, key string) (string, error) { return pemToPKCS12(cert, key, "", false) },
		"pemToPkcs12Pass":           func(cert, key, pass string) (string, error) { return pemToPKCS12(cert, key, pass, false) },
		"fullPemToPkcs12":           func(cert, key string) (string, error) { return pemToPKCS12(cert, key, "", true) },
		"fullPemToPkcs12Pass":       func(cert, key, pass string) (string, error) { return pemToPKCS12(cert, key, pass, true) },
		"pemTruststoreToPKCS12":     func(certs string) (string, error) { return truststoreToPKCS12(certs, "") },
		"pemTruststoreToPKCS12Pass": truststoreToPKCS12,
		"filterPEM":                 filterPEM,
		"filterCertChain":           filterCertChain,
		"certSANs":                  certSANs,
		"jwkPublicKeyPem":           jwkPublicKeyPEM,
		"jwkPrivateKeyPem":          jwkPrivateKeyPEM,
		"toYaml":                    toYAML,
		"fromYaml":                  fromYAML,
		"rsaDecrypt":                rsaDecrypt,
		// ESO's vendored Sprig adds hexdec, which upstream Sprig v3.3.0 lacks. Assumed to fail like b64dec:
		// the error text becomes the output.
		"hexdec": hexDecode,
	}
}

func hexDecode(in string) string {
	out, err := hex.DecodeString(in)
	if err != nil {
		return err.Error()
	}
	return string(out)
}

func encodePEM(blockType string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

func pkcs12KeyPass(pass, in string) (string, error) {
	key, _, _, err := gopkcs12.DecodeChain([]byte(in), pass)
	if err != nil {
		return "", fmt.Errorf("unable to decode pkcs12 with password: %s", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return encodePEM("PRIVATE KEY", der), nil
}

func pkcs12CertPass(pass, in string) (string, error) {
	_, leaf, cas, err := gopkcs12.DecodeChain([]byte(in), pass)
	if err != nil {
		return "", fmt.Errorf("unable to decode pkcs12 certificate with password: %s", err)
	}
	var raw strings.Builder
	raw.WriteString(encodePEM("CERTIFICATE", leaf.Raw))
	for _, ca := range cas {
		raw.WriteString(encodePEM("CERTIFICATE", ca.Raw))
	}
	// ESO orders the bundle leaf -> root when it can and falls back to the file's order otherwise.
	chain, err := orderChain([]byte(raw.String()))
	if err != nil {
		return raw.String(), nil
	}
	var ordered strings.Builder
	for _, c := range chain {
		ordered.WriteString(encodePEM("CERTIFICATE", c.Raw))
	}
	return ordered.String(), nil
}

// pemToPKCS12 builds a PFX (base64) from the first certificate, and with withChain also from the certificates
// after it. Like ESO it does not guard against input without a PEM block (the nil dereference becomes an error).
func pemToPKCS12(certPEM, keyPEM, pass string, withChain bool) (string, error) {
	block, rest := pem.Decode([]byte(certPEM))
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	var cas []*x509.Certificate
	if withChain {
		if cas, err = parseCertificates(rest); err != nil {
			return "", err
		}
	}
	keyBlock, _ := pem.Decode([]byte(keyPEM))
	key, err := parseAnyPrivateKey(keyBlock.Bytes)
	if err != nil {
		return "", err
	}
	pfx, err := gopkcs12.Modern.Encode(key, leaf, cas, pass)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

func truststoreToPKCS12(certsPEM, pass string) (string, error) {
	certs, err := parseCertificates([]byte(certsPEM))
	if err != nil {
		return "", err
	}
	pfx, err := gopkcs12.Modern.EncodeTrustStore(certs, pass)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

// parseCertificates reads PEM blocks until the input is used up; leftover text that is not a block is a nil
// dereference, as in ESO.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	certs := []*x509.Certificate{}
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

func parseAnyPrivateKey(der []byte) (any, error) {
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("unable to parse private key type")
}

// skipToFirstBlock drops text before the first "-----BEGIN", which ESO does explicitly.
func skipToFirstBlock(in string) string {
	if i := strings.Index(in, "-----BEGIN"); i >= 0 {
		return in[i:]
	}
	return in
}

func filterPEM(blockType, in string) (string, error) {
	data := []byte(skipToFirstBlock(in))
	var out strings.Builder
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			if out.Len() == 0 && len(rest) != 0 {
				return "", errors.New("error filtering pem: found junk")
			}
			return out.String(), nil
		}
		data = rest
		if strings.EqualFold(block.Type, blockType) {
			out.WriteString(string(pem.EncodeToMemory(block)))
		}
	}
}

// orderChain links each certificate to the first other certificate whose SubjectKeyId equals its AuthorityKeyId
// and returns the chain from the single certificate nobody points to (the leaf) up to the root.
func orderChain(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		data = rest
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	parent := make([]int, len(certs))
	isParent := make([]bool, len(certs))
	for i := range certs {
		parent[i] = -1
		for j := range certs {
			if i != j && bytes.Equal(certs[i].AuthorityKeyId, certs[j].SubjectKeyId) {
				parent[i] = j
				isParent[j] = true
				break
			}
		}
	}
	leaf := -1
	for i := range certs {
		if !isParent[i] {
			if leaf >= 0 {
				return nil, errors.New("found multiple leaf or disjunct certificates")
			}
			leaf = i
		}
	}
	if leaf < 0 {
		return nil, errors.New("no leaf certificate found")
	}
	var chain []*x509.Certificate
	for i := leaf; i >= 0; i = parent[i] {
		if len(chain) == len(certs) {
			return nil, errors.New("constructing chain resulted in cycle")
		}
		chain = append(chain, certs[i])
	}
	return chain, nil
}

func isSelfIssued(c *x509.Certificate) bool {
	return c.AuthorityKeyId == nil || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId)
}

func filterCertChain(certType, in string) (string, error) {
	chain, err := orderChain([]byte(in))
	if err != nil {
		return "", err
	}
	switch certType {
	case "leaf":
		if c := chain[0]; c.AuthorityKeyId != nil && !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) {
			return encodePEM("CERTIFICATE", c.Raw), nil
		}
	case "intermediate":
		var out strings.Builder
		for _, c := range chain[min(1, len(chain)):] {
			if isSelfIssued(c) {
				break
			}
			out.WriteString(encodePEM("CERTIFICATE", c.Raw))
		}
		return out.String(), nil
	case "root":
		if c := chain[len(chain)-1]; isSelfIssued(c) {
			return encodePEM("CERTIFICATE", c.Raw), nil
		}
	}
	return "", nil
}

func certSANs(in string) ([]string, error) {
	block, _ := pem.Decode([]byte(skipToFirstBlock(in)))
	if block == nil {
		return nil, errors.New("failed to decode PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("failed to parse certificate: %w", err)
	}
	sans := append([]string{}, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		sans = append(sans, ip.String())
	}
	sans = append(sans, cert.EmailAddresses...)
	for _, u := range cert.URIs {
		sans = append(sans, u.String())
	}
	return sans, nil
}

func jwkRaw(jwkJSON string) (any, error) {
	key, err := jwk.ParseKey([]byte(jwkJSON))
	if err != nil {
		return nil, err
	}
	var raw any
	if err := key.Raw(&raw); err != nil {
		return nil, err
	}
	return raw, nil
}

func jwkPublicKeyPEM(jwkJSON string) (string, error) {
	raw, err := jwkRaw(jwkJSON)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKIXPublicKey(raw)
	if err != nil {
		return "", err
	}
	return encodePEM("PUBLIC KEY", der), nil
}

func jwkPrivateKeyPEM(jwkJSON string) (string, error) {
	raw, err := jwkRaw(jwkJSON)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(raw)
	if err != nil {
		return "", err
	}
	return encodePEM("PRIVATE KEY", der), nil
}

// toYAML never fails inside a template: a value that cannot be marshalled renders as "".
func toYAML(v any) string {
	out, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

// fromYAML tolerates bad input by putting the error text under the key "Error".
func fromYAML(in string) map[string]any {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(in), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func oaepHash(name string) hash.Hash {
	switch name {
	case "SHA1":
		return crypto.SHA1.New()
	case "SHA512":
		return sha512.New()
	default: // "SHA256", "None" and anything else
		return sha256.New()
	}
}

func rsaDecrypt(scheme, hashName, in, keyPEM string) (string, error) {
	switch scheme {
	case "None":
		return in, nil
	case "RSA-OAEP":
	default:
		return "", fmt.Errorf("decryption scheme %v is not supported", scheme)
	}
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return "", errors.New("failed to decode PEM block")
	}
	key, err := parseAnyPrivateKey(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("could not parse private key: %v", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return "", errors.New("could not parse RSA private key")
	}
	plain, err := rsa.DecryptOAEP(oaepHash(hashName), nil, rsaKey, []byte(in), nil)
	if err != nil {
		return "", fmt.Errorf("error decrypting data with RSA: %v", err)
	}
	return string(plain), nil
}
