package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/server"
	"github.com/redis/go-redis/v9"
)

// pki is a throw-away certificate authority with a server certificate for
// 127.0.0.1 and two client certificates, one of them from another CA.
type pki struct {
	ca                            *x509.CertPool
	caFile, certFile, keyFile     string // the CA; the server's pair
	client, stranger              tls.Certificate
	clientCertFile, clientKeyFile string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{ca: x509.NewCertPool()}
	caCert, caKey := makeCert(t, nil, nil, "cachee test CA", true)
	p.ca.AddCert(caCert)
	p.caFile = writePEM(t, dir, "ca.crt", "CERTIFICATE", caCert.Raw)
	srvCert, srvKey := makeCert(t, caCert, caKey, "127.0.0.1", false)
	p.certFile = writePEM(t, dir, "server.crt", "CERTIFICATE", srvCert.Raw)
	p.keyFile = writeKey(t, dir, "server.key", srvKey)
	cliCert, cliKey := makeCert(t, caCert, caKey, "client", false)
	p.clientCertFile = writePEM(t, dir, "client.crt", "CERTIFICATE", cliCert.Raw)
	p.clientKeyFile = writeKey(t, dir, "client.key", cliKey)
	p.client = tls.Certificate{Certificate: [][]byte{cliCert.Raw}, PrivateKey: cliKey}
	otherCA, otherKey := makeCert(t, nil, nil, "another CA", true)
	strCert, strKey := makeCert(t, otherCA, otherKey, "stranger", false)
	p.stranger = tls.Certificate{Certificate: [][]byte{strCert.Raw}, PrivateKey: strKey}
	return p
}

// makeCert makes a certificate signed by parent (self-signed when nil).
func makeCert(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:         isCA, BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(cn); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeKey(t *testing.T, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "EC PRIVATE KEY", der)
}

// startTLS runs a server with a plain and a TLS listener and returns the
// TLS address.
func startTLS(t *testing.T, p *pki, auth string) string {
	t.Helper()
	cfg, err := server.TLSFiles{CertFile: p.certFile, KeyFile: p.keyFile, CACertFile: p.caFile, AuthClients: auth}.Config()
	if err != nil {
		t.Fatal(err)
	}
	srv, _, _ := startServer(t, engine.Config{}, server.Config{TLS: cfg})
	return srv.TLSAddrs()[0].String()
}

// tlsPing connects with go-redis over TLS, presenting cert if not nil, and
// returns PING's error.
func tlsPing(t *testing.T, p *pki, addr string, cert *tls.Certificate) error {
	t.Helper()
	tc := &tls.Config{RootCAs: p.ca, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if cert != nil {
		// Sent whatever CAs the server asks for (a Certificates list would
		// leave out one the server's CA did not sign).
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	c := redis.NewClient(&redis.Options{Addr: addr, TLSConfig: tc, MaxRetries: -1, DialTimeout: 5 * time.Second})
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		return err
	}
	if err := c.Set(ctx, "k", "over tls", 0).Err(); err != nil {
		return err
	}
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "over tls" {
		t.Errorf("GET over TLS: %q %v", v, err)
	}
	return nil
}

// TestTLS: the TLS listener serves go-redis clients; tls-auth-clients
// decides which client certificates are required and accepted, the same as
// for a redis-server with the same files.
func TestTLS(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		auth                      string
		none, trusted, strangerOK bool
	}{
		{auth: "yes", none: false, trusted: true, strangerOK: false},
		{auth: "", none: false, trusted: true, strangerOK: false}, // yes is the default
		{auth: "optional", none: true, trusted: true, strangerOK: false},
		{auth: "no", none: true, trusted: true, strangerOK: true},
	} {
		t.Run("auth-clients="+tc.auth, func(t *testing.T) {
			ours := startTLS(t, p, tc.auth)
			real := startRedisTLS(t, p, tc.auth)
			for _, c := range []struct {
				name string
				cert *tls.Certificate
				ok   bool
			}{{"no certificate", nil, tc.none}, {"trusted certificate", &p.client, tc.trusted}, {"foreign certificate", &p.stranger, tc.strangerOK}} {
				for _, addr := range []string{real, ours} {
					if err := tlsPing(t, p, addr, c.cert); (err == nil) != c.ok {
						t.Errorf("%s, %s: PING error %v, want success %v", addr, c.name, err, c.ok)
					}
				}
			}
		})
	}
}

// TestTLSPlaintextClient: a client speaking plain RESP to the TLS port gets
// no reply and is disconnected, as by Redis.
func TestTLSPlaintextClient(t *testing.T) {
	p := newPKI(t)
	ours := startTLS(t, p, "no")
	real := startRedisTLS(t, p, "no")
	for _, addr := range []string{real, ours} {
		got, closed := exchange(t, addr, []byte("PING\r\n"))
		if strings.Contains(string(got), "PONG") || !closed {
			t.Errorf("%s: plain PING on the TLS port got %q (closed %v)", addr, got, closed)
		}
	}
}

// TestTLSConfigErrors: TLSFiles refuses what redis-server refuses at start-up.
func TestTLSConfigErrors(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		f    server.TLSFiles
		want string
	}{
		{server.TLSFiles{CertFile: p.certFile, KeyFile: p.keyFile}, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"},
		{server.TLSFiles{CertFile: p.certFile, KeyFile: p.keyFile, AuthClients: "optional"}, "Either tls-ca-cert-file"},
		{server.TLSFiles{KeyFile: p.keyFile, AuthClients: "no"}, "No tls-cert-file configured!"},
		{server.TLSFiles{CertFile: p.certFile, AuthClients: "no"}, "No tls-key-file configured!"},
		{server.TLSFiles{CertFile: p.certFile, KeyFile: p.keyFile, AuthClients: "maybe"}, "argument(s) must be one of the following: no, yes, optional"},
		{server.TLSFiles{CertFile: p.keyFile, KeyFile: p.keyFile, AuthClients: "no"}, "Failed to load certificate"},
		{server.TLSFiles{CertFile: p.certFile, KeyFile: p.keyFile, CACertFile: p.keyFile}, "Failed to configure CA certificate(s)"},
	} {
		if _, err := tc.f.Config(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.f, err, tc.want)
		}
	}
	if _, err := (server.TLSFiles{CertFile: p.certFile, KeyFile: p.keyFile, AuthClients: "no"}).Config(); err != nil {
		t.Errorf("no CA with tls-auth-clients no: %v", err)
	}
}

// TestTLSRedisCli: redis-cli --tls talks to the TLS listener.
func TestTLSRedisCli(t *testing.T) {
	cli := redistest.Tool(t, "redis-cli")
	p := newPKI(t)
	host, port, _ := net.SplitHostPort(startTLS(t, p, "yes"))
	out, err := exec.Command(cli, "-h", host, "-p", port, "--tls", "--cacert", p.caFile,
		"--cert", p.clientCertFile, "--key", p.clientKeyFile, "ECHO", "over tls").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "over tls" {
		t.Errorf("redis-cli --tls: %q %v", out, err)
	}
}

// startRedisTLS starts a redis-server with a TLS port on p's files and
// returns that port's address.
func startRedisTLS(t *testing.T, p *pki, auth string) string {
	t.Helper()
	if auth == "" {
		auth = "yes"
	}
	port := strconv.Itoa(redistest.FreePort(t))
	oracle.StartRedis(t, "--tls-port", port, "--tls-cert-file", p.certFile, "--tls-key-file", p.keyFile,
		"--tls-ca-cert-file", p.caFile, "--tls-auth-clients", auth)
	addr := net.JoinHostPort("127.0.0.1", port)
	waitListening(t, addr)
	return addr
}

// waitListening waits until something accepts connections on addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s", addr)
		}
	}
}
