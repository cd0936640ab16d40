/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_FUZZ_JSON_ORACLE_H
#define SK_FUZZ_JSON_ORACLE_H
/*
 * json_oracle.h - a small, slow, obviously-correct RFC 8259 validator.
 *
 * The harnesses compare lib/'s parsers against it (differential fuzzing):
 * strict UTF-8 (RFC 3629: no overlongs, no encoded surrogates, nothing
 * above U+10FFFF) in the whole text, JSON white space only (space, tab,
 * CR, LF), numbers by the RFC grammar, escapes by the RFC list (a lone
 * surrogate escape such as \ud800 is valid JSON text), and nesting
 * counted as SPEC 1 does: each open object or array is one level.  For
 * the top-level value it also reports the byte spans of the members of a
 * top-level object whose keys have no escapes, so harnesses can check
 * what record.c extracted.  Header-only; no allocation.
 */
#include <stddef.h>
#include <string.h>

#define JO_MEMBERS_MAX	64

struct jo_member {
	size_t	 kstart, klen;	/* key bytes, without quotes */
	int	 kescaped;	/* the key holds a backslash */
	size_t	 vstart, vlen;	/* value text */
};

struct jo {
	const unsigned char *s;
	size_t	 n, i;
	int	 depth, depth_max, depth_seen;
	int	 top_kind;	/* '{' '[' '"' '0' 't' 'f' 'n' */
	int	 nmembers;	/* of a top-level object (all of them) */
	struct jo_member m[JO_MEMBERS_MAX];
};

static inline size_t
jo_utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && p[1] >= lo && p[1] <= hi &&
		    (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && p[1] >= lo && p[1] <= hi &&
		    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* 1 when s[0..n) is valid UTF-8. */
static inline int
jo_utf8_valid(const void *sv, size_t n)
{
	const unsigned char *s = sv;
	size_t i = 0, k;

	while (i < n) {
		if ((k = jo_utf8_len(s + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

static inline void
jo_ws(struct jo *J)
{
	while (J->i < J->n && (J->s[J->i] == ' ' || J->s[J->i] == '\t' ||
	    J->s[J->i] == '\r' || J->s[J->i] == '\n'))
		J->i++;
}

static inline int
jo_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static inline int
jo_string(struct jo *J, int *escaped)
{
	size_t k;

	*escaped = 0;
	J->i++;			/* '"' */
	while (J->i < J->n) {
		unsigned c = J->s[J->i];

		if (c == '"') {
			J->i++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			*escaped = 1;
			if (J->i + 1 >= J->n)
				return -1;
			c = J->s[J->i + 1];
			if (c == 'u') {
				if (J->i + 6 > J->n)
					return -1;
				for (k = 2; k < 6; k++)
					if (!jo_hex(J->s[J->i + k]))
						return -1;
				J->i += 6;
				continue;
			}
			if (strchr("\"\\/bfnrt", (int)c) == NULL || c == 0)
				return -1;
			J->i += 2;
			continue;
		}
		if ((k = jo_utf8_len(J->s + J->i, J->n - J->i)) == 0)
			return -1;
		J->i += k;
	}
	return -1;
}

static inline int
jo_digit(const struct jo *J, size_t i)
{
	return i < J->n && J->s[i] >= '0' && J->s[i] <= '9';
}

static inline int
jo_number(struct jo *J)
{
	if (J->i < J->n && J->s[J->i] == '-')
		J->i++;
	if (!jo_digit(J, J->i))
		return -1;
	if (J->s[J->i] == '0')
		J->i++;
	else
		while (jo_digit(J, J->i))
			J->i++;
	if (J->i < J->n && J->s[J->i] == '.') {
		J->i++;
		if (!jo_digit(J, J->i))
			return -1;
		while (jo_digit(J, J->i))
			J->i++;
	}
	if (J->i < J->n && (J->s[J->i] == 'e' || J->s[J->i] == 'E')) {
		J->i++;
		if (J->i < J->n && (J->s[J->i] == '+' || J->s[J->i] == '-'))
			J->i++;
		if (!jo_digit(J, J->i))
			return -1;
		while (jo_digit(J, J->i))
			J->i++;
	}
	return 0;
}

static inline int
jo_word(struct jo *J, const char *w)
{
	size_t n = strlen(w);

	if (J->n - J->i < n || memcmp(J->s + J->i, w, n) != 0)
		return -1;
	J->i += n;
	return 0;
}

/*
 * One value at J->i (white space already skipped).  Iterative over
 * containers would be nicer; recursion is bounded by depth_max + 1.
 */
static inline int
jo_value(struct jo *J)
{
	int esc, top = J->depth == 0, first;
	size_t ks, kl, vs;

	if (J->i >= J->n)
		return -1;
	switch (J->s[J->i]) {
	case '{':
	case '[': {
		int obj = J->s[J->i] == '{';
		char close = obj ? '}' : ']';

		if (++J->depth > J->depth_seen)
			J->depth_seen = J->depth;
		if (J->depth > J->depth_max)
			return -1;
		J->i++;
		jo_ws(J);
		first = 1;
		for (;;) {
			if (J->i < J->n && J->s[J->i] == close && first) {
				J->i++;
				break;
			}
			if (obj) {
				if (J->i >= J->n || J->s[J->i] != '"')
					return -1;
				ks = J->i + 1;
				if (jo_string(J, &esc) == -1)
					return -1;
				kl = J->i - 1 - ks;
				jo_ws(J);
				if (J->i >= J->n || J->s[J->i] != ':')
					return -1;
				J->i++;
				jo_ws(J);
			}
			vs = J->i;
			if (jo_value(J) == -1)
				return -1;
			if (obj && top) {
				if (J->nmembers < JO_MEMBERS_MAX) {
					struct jo_member *m =
					    &J->m[J->nmembers];

					m->kstart = ks;
					m->klen = kl;
					m->kescaped = esc;
					m->vstart = vs;
					m->vlen = J->i - vs;
				}
				J->nmembers++;
			}
			jo_ws(J);
			first = 0;
			if (J->i < J->n && J->s[J->i] == ',') {
				J->i++;
				jo_ws(J);
				continue;
			}
			if (J->i < J->n && J->s[J->i] == close) {
				J->i++;
				break;
			}
			return -1;
		}
		J->depth--;
		return 0;
	}
	case '"':
		return jo_string(J, &esc);
	case 't':
		return jo_word(J, "true");
	case 'f':
		return jo_word(J, "false");
	case 'n':
		return jo_word(J, "null");
	default:
		return jo_number(J);
	}
}

/*
 * Is s[0..n) exactly one JSON text (white space around it allowed) with
 * nesting at most depth_max?  0 yes, -1 no.  *J describes it.
 */
static inline int
jo_check(struct jo *J, const void *s, size_t n, int depth_max)
{
	memset(J, 0, sizeof(*J));
	J->s = s;
	J->n = n;
	J->depth_max = depth_max;
	jo_ws(J);
	if (J->i >= J->n)
		return -1;
	J->top_kind = J->s[J->i];
	if (J->top_kind == '-' || (J->top_kind >= '0' && J->top_kind <= '9'))
		J->top_kind = '0';
	if (jo_value(J) == -1)
		return -1;
	jo_ws(J);
	return J->i == J->n ? 0 : -1;
}

static inline unsigned
jo_hex4(const unsigned char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = p[i];

		v = v << 4 | (unsigned)(c <= '9' ? c - '0' :
		    (c | 0x20) - 'a' + 10);
	}
	return v;
}

static inline size_t
jo_put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode a valid JSON string literal (quotes included) into out, which
 * has room for n bytes.  A surrogate pair is one code point; a lone
 * surrogate escape becomes U+FFFD, as path_json_string() and jcur.c do
 * (and jq), so the result is always valid UTF-8.  Returns its length.
 */
static inline size_t
jo_decode_string(const void *rawv, size_t n, char *out)
{
	const unsigned char *r = rawv;
	size_t i = 1, k = 0;
	unsigned cp, lo;

	while (i + 1 < n) {
		if (r[i] != '\\') {
			out[k++] = (char)r[i++];
			continue;
		}
		switch (r[i + 1]) {
		case 'b': out[k++] = '\b'; i += 2; continue;
		case 'f': out[k++] = '\f'; i += 2; continue;
		case 'n': out[k++] = '\n'; i += 2; continue;
		case 'r': out[k++] = '\r'; i += 2; continue;
		case 't': out[k++] = '\t'; i += 2; continue;
		case 'u': break;
		default: out[k++] = (char)r[i + 1]; i += 2; continue;
		}
		cp = jo_hex4(r + i + 2);
		i += 6;
		if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n &&
		    r[i] == '\\' && r[i + 1] == 'u' &&
		    (lo = jo_hex4(r + i + 2)) >= 0xdc00 && lo < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		k += jo_put_utf8(out + k, cp);
	}
	return k;
}

/* Is the text a JSON value with no white space outside strings? */
static inline int
jo_is_compact(const void *sv, size_t n)
{
	const unsigned char *s = sv;
	size_t i;
	int instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
		} else if (s[i] == '"') {
			instr = 1;
		} else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r') {
			return 0;
		}
	}
	return 1;
}
#endif
