package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jacksonSource is how Jackson names the request stream in its messages.
const jacksonSource = "(org.glassfish.jersey.message.internal.ReaderInterceptorExecutor$UnCloseableInputStream)"

// readBody reads the request body; over maxBodyBytes is a 413.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errBodyTooLarge()
	}
	if err != nil {
		return nil, errJSONParse("Unexpected end-of-input: " + err.Error())
	}
	return b, nil
}

// jsonObject is a body decoded one level deep, so handlers can tell which
// keys were sent. A JSON null counts as not sent (Jackson into a POJO).
type jsonObject map[string]json.RawMessage

// decodeObject parses a JSON object body, failing like Jackson would.
func decodeObject(body []byte) (jsonObject, error) {
	raw, err := decodeValue(body)
	if err != nil {
		return nil, err
	}
	if raw[0] != '{' {
		return nil, errJSONParse(fmt.Sprintf("Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.Object>` from %s value (token `%s`)\n at [Source: %s; line: 1, column: 1]",
			jsonKind(raw[0]), jsonToken(raw[0]), jacksonSource))
	}
	var obj jsonObject
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, errJSONParse(err.Error())
	}
	return obj, nil
}

// decodeValue returns the first JSON value of body. Like Jackson's default,
// content after it is ignored.
func decodeValue(body []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errJSONParse("No content to map due to end-of-input\n at [Source: " + jacksonSource + "; line: 1, column: 0]")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, errJSONParse(jacksonMessage(body, err))
	}
	return raw, nil
}

// jacksonMessage rewrites a Go JSON error in the words of Jackson's
// JsonParseException, with Jackson's 1-based line and column.
func jacksonMessage(body []byte, err error) string {
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		line, col := position(body, int64(len(body)))
		return fmt.Sprintf("Unexpected end-of-input: expected close marker for Object\n at [Source: %s; line: %d, column: %d]", jacksonSource, line, col)
	}
	at := min(max(syn.Offset-1, 0), int64(len(body)))
	line, col := position(body, at)
	where := fmt.Sprintf("\n at [Source: %s; line: %d, column: %d]", jacksonSource, line, col)
	if at >= int64(len(body)) || strings.Contains(syn.Error(), "unexpected end") {
		return "Unexpected end-of-input: expected close marker for Object" + where
	}
	c, _ := utf8.DecodeRune(body[at:])
	expect := "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
	switch msg := syn.Error(); {
	case strings.Contains(msg, "after object key:value pair"):
		expect = "was expecting comma to separate Object entries"
	case strings.Contains(msg, "after object key"):
		expect = "was expecting a colon to separate field name and value"
	case strings.Contains(msg, "beginning of object key"):
		expect = "was expecting double-quote to start field name"
	case strings.Contains(msg, "after array element"):
		expect = "was expecting comma to separate Array entries"
	case strings.Contains(msg, "in string"):
		return fmt.Sprintf("Illegal unquoted character ((CTRL-CHAR, code %d)): has to be escaped using backslash to be included in string value%s", c, where)
	}
	return fmt.Sprintf("Unexpected character (%s (code %d)): %s%s", strconv.QuoteRune(c), c, expect, where)
}

func position(body []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for _, b := range body[:offset] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func jsonKind(first byte) string {
	switch first {
	case '[':
		return "Array"
	case '"':
		return "String"
	case 't', 'f':
		return "Boolean"
	case 'n':
		return "Null"
	default:
		return "Integer"
	}
}

func jsonToken(first byte) string {
	switch first {
	case '[':
		return "JsonToken.START_ARRAY"
	case '"':
		return "JsonToken.VALUE_STRING"
	case 't':
		return "JsonToken.VALUE_TRUE"
	case 'f':
		return "JsonToken.VALUE_FALSE"
	case 'n':
		return "JsonToken.VALUE_NULL"
	default:
		return "JsonToken.VALUE_NUMBER_INT"
	}
}

func (o jsonObject) has(key string) bool {
	raw, ok := o[key]
	return ok && string(raw) != "null"
}

// fieldReader reads several fields of a body, keeping the first error, so
// a handler can read them in a row and check once. Each method reports
// whether the field was sent (and stored into dst).
type fieldReader struct {
	obj jsonObject
	err error
}

func (f *fieldReader) str(key string, dst *string) bool {
	return decodeField(f, key, dst, "a string")
}

func (f *fieldReader) boolean(key string, dst *bool) bool {
	return decodeField(f, key, dst, "a boolean (true or false)")
}

func (f *fieldReader) stringList(key string, dst *[]string) bool {
	return decodeField(f, key, dst, "an array of strings")
}

func decodeField[T any](f *fieldReader, key string, dst *T, what string) bool {
	if f.err != nil || !f.obj.has(key) {
		return false
	}
	var v T
	if err := json.Unmarshal(f.obj[key], &v); err != nil {
		f.err = errInvalidParameter("%s must be %s", key, what)
		return false
	}
	*dst = v
	return true
}

// integer reads a whole number, also from a string of digits: the seed
// page types maxusers as String, and Jackson coerces "300" to an int.
func (f *fieldReader) integer(key string, dst *int) bool {
	if f.err != nil || !f.obj.has(key) {
		return false
	}
	n, ok := parseInteger(f.obj[key])
	if !ok {
		f.err = errInvalidParameter("%s must be an integer", key)
		return false
	}
	*dst = n
	return true
}

func parseInteger(raw json.RawMessage) (int, bool) {
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	}
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		return int(n), true
	}
	// 300.0 and 3e2 are whole numbers too.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// readObject reads and decodes a JSON object body.
func readObject(r *http.Request) (jsonObject, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return decodeObject(body)
}
