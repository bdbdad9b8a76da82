package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// codeSealer makes and protects one-time codes as moonkeyd does (lib/src/core/crypto.cpp,
// lib/src/domain/otp_code.cpp): the code's digest is HMAC-SHA256(secret, method_id || code) and the
// copy for delivery is AES-256-GCM under SHA-256("moonkey-seal-v1" || secret), stored as
// nonce || ciphertext || tag.
type codeSealer struct {
	secret []byte
	aead   cipher.AEAD // safe for concurrent use: Seal keeps no state between calls
}

func newCodeSealer(secret string) (*codeSealer, error) {
	key := sha256.Sum256([]byte("moonkey-seal-v1" + secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return &codeSealer{secret: []byte(secret), aead: aead}, nil
}

// newCode returns six decimal digits, uniform over 000000..999999, from the CSPRNG.
func newCode() (string, error) {
	const space = 1000000
	// Values below 2^32 mod space would make the low codes more likely; draw again instead.
	const threshold = (1 << 32) % space
	var b [4]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		if v := binary.BigEndian.Uint32(b[:]); v >= threshold {
			return fmt.Sprintf("%06d", v%space), nil
		}
	}
}

// digest returns the 32-byte HMAC the otps row keeps for checking the code later.
func (s *codeSealer) digest(methodID, code string) []byte {
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(methodID))
	mac.Write([]byte(code))
	return mac.Sum(nil)
}

// seal returns nonce || AES-256-GCM(code) || tag, the outbox's sealed_code.
func (s *codeSealer) seal(code string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(code)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, []byte(code), nil), nil
}
