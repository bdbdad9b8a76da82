package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
)

const maxBodyBytes = 64 << 10

// E.164: a plus, a country code that does not start with 0, at most 15 digits in all. moonkeyd also
// checks the number against libphonenumber's metadata; Go has no maintained port of it in Debian,
// so this reference accepts every number of the right shape.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

type loginHandler struct {
	keyDigest [sha256.Size]byte
	store     *loginStore
	codes     *codeSealer
	errors    errorLog
}

type loginRequest struct {
	PhoneNumber *string `json:"phone_number"`
}

type loginResponse struct {
	UserID        string `json:"user_id"`
	PhoneNumberID string `json:"phone_number_id"`
	UserCreated   bool   `json:"user_created"`
	Status        string `json:"status"`
}

func keyDigest(key string) [sha256.Size]byte { return sha256.Sum256([]byte(key)) }

// authorized reports whether the request carries the expected secret key as a Bearer token; the
// digests are compared in constant time, so the answer's timing says nothing about the key.
func (h *loginHandler) authorized(r *http.Request) bool {
	const scheme = "bearer "
	header := r.Header.Get("Authorization")
	if len(header) < len(scheme) || !strings.EqualFold(header[:len(scheme)], scheme) {
		return false
	}
	given := keyDigest(strings.TrimSpace(header[len(scheme):]))
	return subtle.ConstantTimeCompare(given[:], h.keyDigest[:]) == 1
}

func isJSON(contentType string) bool {
	media, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(media), "application/json")
}

func (h *loginHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := requestIDOf(r)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, requestID, http.StatusMethodNotAllowed, "method_not_allowed", "this path accepts POST")
		return
	}
	if !h.authorized(r) {
		writeError(w, requestID, http.StatusUnauthorized, "unauthorized_credentials",
			"send a valid API key as 'Authorization: Bearer sk_…'")
		return
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, requestID, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"the body must be application/json")
		return
	}

	var body loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&body); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, requestID, http.StatusRequestEntityTooLarge, "payload_too_large",
				"the body is over 64 KiB")
			return
		}
		writeError(w, requestID, http.StatusBadRequest, "invalid_request", "the body must be a JSON object")
		return
	}
	if body.PhoneNumber == nil {
		writeError(w, requestID, http.StatusBadRequest, "invalid_request", "phone_number is required")
		return
	}
	if !e164.MatchString(*body.PhoneNumber) {
		writeError(w, requestID, http.StatusBadRequest, "invalid_phone_number",
			"phone_number must be in E.164 format, e.g. +14155550100")
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), 2*databaseTimeout)
	defer cancel()
	result, err := h.store.loginOrCreate(ctx, *body.PhoneNumber, h.codes)
	if err != nil && r.Context().Err() != nil {
		return // the client closed the connection: nobody to answer, nothing to report
	}
	if err != nil {
		h.errors.record(err)
		w.Header().Set("Retry-After", "1")
		writeError(w, requestID, http.StatusServiceUnavailable, "service_unavailable",
			"the database is unavailable; try again")
		return
	}
	status := "pending"
	if result.active {
		status = "active"
	}
	writeJSON(w, requestID, http.StatusOK, loginResponse{
		UserID:        result.userID,
		PhoneNumberID: result.methodID,
		UserCreated:   result.created,
		Status:        status,
	})
}
