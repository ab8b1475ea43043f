package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"groupdesk/agora"
)

// Credentials are the App ID and App Certificate the sandbox verifies
// tokens against.
type Credentials struct {
	AppID          string `json:"app_id"`
	AppCertificate string `json:"app_certificate"`
}

// CredentialsFile, in the sandbox directory, holds the generated pair, readable by the owner only.
const CredentialsFile = "credentials.json"

// LoadOrCreateCredentials returns the pair stored in dataDir, generating a
// random one (32 hex characters each) on first use.
func LoadOrCreateCredentials(dataDir string) (Credentials, error) {
	if dataDir == "" {
		return Credentials{}, errors.New("sandbox: credentials: data directory is empty: pass the sandbox DataDir")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Credentials{}, fmt.Errorf("sandbox: credentials: %w", err)
	}
	path := filepath.Join(dataDir, CredentialsFile)
	c, err := readCredentials(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	c = Credentials{AppID: randomHex(16), AppCertificate: randomHex(16)}
	b, _ := json.MarshalIndent(c, "", "  ") // plain strings: cannot fail
	// O_EXCL: if another process creates the file first, use its pair.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readCredentials(path)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("sandbox: credentials: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("sandbox: write %s: %w", path, err)
	}
	return c, nil
}

func readCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("sandbox: credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Credentials{}, fmt.Errorf("sandbox: %s is not valid JSON (delete it to generate a new pair): %w", path, err)
	}
	if err := errors.Join(agora.ValidateAppID(c.AppID), agora.ValidateAppCertificate(c.AppCertificate)); err != nil {
		return Credentials{}, fmt.Errorf("sandbox: %s holds an invalid pair (delete it to generate a new one): %w", path, err)
	}
	return c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand doc)
	return hex.EncodeToString(b)
}
