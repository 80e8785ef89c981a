package deliver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrSignature: the signature is missing, malformed, or not the body's under the secret.
var ErrSignature = errors.New("the request's signature does not match its body")

// ErrTimestamp: the timestamp is missing, malformed, or too far from the receiver's clock.
var ErrTimestamp = errors.New("the request's timestamp is missing or outside the tolerance")

// Sign is the X-Idstitch-Signature of a body sent at timestamp (Unix seconds, in decimal):
// "v1=" and the hex HMAC-SHA256 of timestamp + "." + body under secret. The timestamp is
// signed with the body so that a captured request cannot be sent again under a new time.
func Sign(secret []byte, timestamp string, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request as a receiver would: signature is the X-Idstitch-Signature header,
// timestamp the X-Idstitch-Timestamp header, body the raw bytes read. A tolerance above zero
// refuses timestamps further than it from now, in either direction, so that a captured
// request stops being accepted. The comparison takes the same time whatever the signature.
func Verify(secret []byte, timestamp, signature string, body []byte, tolerance time.Duration, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not Unix seconds", ErrTimestamp, timestamp)
	}
	if tolerance > 0 {
		if skew := now.Sub(time.Unix(ts, 0)).Abs(); skew > tolerance {
			return fmt.Errorf("%w: %s away from now, more than %s", ErrTimestamp, skew, tolerance)
		}
	}
	hexSum, ok := strings.CutPrefix(signature, "v1=")
	if !ok {
		return fmt.Errorf("%w: it does not start with v1=", ErrSignature)
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return fmt.Errorf("%w: it is not hexadecimal", ErrSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	return nil
}
