package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles are Redis's tls-* settings of the TLS listener.
type TLSFiles struct {
	// CertFile and KeyFile are the server's certificate (chain) and private
	// key in PEM (tls-cert-file, tls-key-file).
	CertFile, KeyFile string
	// CACertFile is the PEM bundle of authorities that client certificates
	// are verified against (tls-ca-cert-file).
	CACertFile string
	// AuthClients is tls-auth-clients: "yes" (the default, also for "")
	// requires a client certificate signed by a CA of CACertFile, "optional"
	// verifies one if the client sends it, "no" asks for none. Like Redis,
	// "yes" and "optional" need CACertFile.
	AuthClients string
}

// Config builds the crypto/tls configuration, refusing what Redis refuses
// at start-up with its messages. TLS 1.2 and 1.3 are accepted, Redis's
// default tls-protocols.
func (f TLSFiles) Config() (*tls.Config, error) {
	var auth tls.ClientAuthType
	switch f.AuthClients {
	case "", "yes":
		auth = tls.RequireAndVerifyClientCert
	case "optional":
		auth = tls.VerifyClientCertIfGiven
	case "no":
		auth = tls.NoClientCert
	default:
		return nil, errors.New("tls-auth-clients: argument(s) must be one of the following: no, yes, optional")
	}
	switch {
	case f.CertFile == "":
		return nil, errors.New("No tls-cert-file configured!")
	case f.KeyFile == "":
		return nil, errors.New("No tls-key-file configured!")
	case auth != tls.NoClientCert && f.CACertFile == "":
		return nil, errors.New("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
	}
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("Failed to load certificate: %s: %w", f.CertFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: auth, MinVersion: tls.VersionTLS12}
	if f.CACertFile != "" {
		pem, err := os.ReadFile(f.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("Failed to configure CA certificate(s) file/directory: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("Failed to configure CA certificate(s) file/directory: no certificate in %s", f.CACertFile)
		}
		cfg.ClientCAs = pool
	}
	return cfg, nil
}
