package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsGz is the list of common and breached passwords that CheckPasswordPolicy rejects: one lowercase
// password a line, 31 666 lines, gzip-compressed. It is the union, deduplicated and lowercased (printable ASCII
// only), of two lists shipped by Debian 12 (bookworm):
//
//   - the "passwords" frequency list of zxcvbn (package python3-zxcvbn 4.4.28-3, file
//     zxcvbn/frequency_lists.py): the 30 000 most frequent passwords of Xato's corpus of 10 million leaked
//     passwords. MIT licence, Copyright 2012-2013 Dropbox, Inc. and 2016 Daniel Wolf.
//   - John the Ripper's password.lst (package john-data 1.9.0-2, /usr/share/john/password.lst), compiled by Solar
//     Designer of the Openwall Project from 1996 to 2011 out of common Unix passwords and the "top N" lists of
//     website breaches; "assumed to be in the public domain" (its header).
//
//go:embed common_passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords is the decompressed list as a set, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("auth: embedded common password list: " + err.Error())
	}
	set := make(map[string]struct{}, 32000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			set[w] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		panic("auth: embedded common password list: " + err.Error())
	}
	return set
})

// IsCommonPassword reports whether pw, lowercased, is on the embedded list of common and breached passwords.
func IsCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}
