package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sync"

	"github.com/go-sql-driver/mysql"
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func isRequestIDChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' ||
		c == '.' || c == '_' || c == ':' || c == '-'
}

// requestIDOf returns the caller's X-Request-Id when it is 1..128 safe characters (as moonkeyd
// does, so paced wrk runs can match answers to send slots), else a new "req_" + 22 base62.
func requestIDOf(r *http.Request) string {
	given := r.Header.Get("X-Request-Id")
	valid := given != "" && len(given) <= 128
	for i := 0; valid && i < len(given); i++ {
		valid = isRequestIDChar(given[i])
	}
	if valid {
		return given
	}
	return "req_" + randomBase62(22)
}

func randomBase62(n int) string {
	out := make([]byte, 0, n)
	var pool [32]byte
	for len(out) < n {
		if _, err := rand.Read(pool[:]); err != nil {
			panic("go_reference: the CSPRNG failed: " + err.Error())
		}
		for _, b := range pool {
			// 248 = 4 * 62: accepting only bytes below it keeps every character equally likely.
			if b < 248 && len(out) < n {
				out = append(out, base62Alphabet[b%62])
			}
		}
	}
	return string(out)
}

// writeJSON sends body as moonkeyd's json_response does: JSON, with the request id echoed.
func writeJSON(w http.ResponseWriter, requestID string, status int, body any) {
	text, err := json.Marshal(body)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Request-Id", requestID)
	w.WriteHeader(status)
	w.Write(text)
}

type errorBody struct {
	StatusCode   int    `json:"status_code"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	RequestID    string `json:"request_id"`
}

func writeError(w http.ResponseWriter, requestID string, status int, errorType, message string) {
	writeJSON(w, requestID, status, errorBody{status, errorType, message, requestID})
}

// errorLog writes the first error of each kind to stderr and counts the rest silently, so a
// database outage under load gives a line per cause, not one per request. Messages come from the
// driver and the server; neither ever sees a key or a code in clear.
type errorLog struct {
	seen sync.Map // kind -> struct{}
}

func errorKind(err error) string {
	var sqlErr *mysql.MySQLError
	switch {
	case errors.As(err, &sqlErr):
		return fmt.Sprintf("mysql error %d", sqlErr.Number)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	default:
		return fmt.Sprintf("%T", err)
	}
}

func (l *errorLog) record(err error) {
	kind := errorKind(err)
	if _, logged := l.seen.LoadOrStore(kind, struct{}{}); !logged {
		log.Printf("go_reference: login_or_create failed (%s; further ones not logged): %v", kind, err)
	}
}
