/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * path.c - parsing of field paths.
 */
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "path.h"
#include "utf8.h"
#include "xmalloc.h"

static int
ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == '@';
}

static int
ident_char(int c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

static int
add_step(struct path *p, char *key, size_t keylen, int64_t index,
    struct fault *f)
{
	struct path_step *s;

	if (p->nsteps == PATH_STEPS_MAX) {
		free(key);
		return fault_set(f, EX_USAGE, "path has more than %d steps",
		    PATH_STEPS_MAX);
	}
	s = p->steps = xrealloc(p->steps, sizeof(*s) * (size_t)(p->nsteps + 1));
	s[p->nsteps].key = key;
	s[p->nsteps].keylen = keylen;
	s[p->nsteps].index = index;
	p->nsteps++;
	return 0;
}

/*
 * A string takes JSON escapes, so a regex's \. is written "\\." (SPEC 5):
 * the message says so, with the escape as it was written.
 */
static void *
bad_escape(const char *e, struct fault *f)
{
	unsigned char c = (unsigned char)e[1];

	if (c == 'u')
		return fault_null(f, EX_USAGE, "bad escape \\u in string "
		    "(JSON escapes: \\u takes 4 hex digits)");
	if (c > 0x20 && c < 0x7f)
		return fault_null(f, EX_USAGE, "bad escape \\%c in string "
		    "(JSON escapes: write \\\\%c to get \\%c)", c, c, c);
	return fault_null(f, EX_USAGE, "bad escape in string (JSON escapes: "
	    "write \\\\ for a backslash)");
}

char *
path_json_string(const char *s, size_t *used, size_t *outlen,
    struct fault *f)
{
	size_t i = 1, n = 0, cap = strlen(s) + 1, u, bs;
	unsigned cp;
	char *o, c;

	*used = 0;
	o = xmalloc(cap);
	for (;;) {
		c = s[i];
		if (c == '\0') {
			free(o);
			return fault_null(f, EX_USAGE, "unterminated string");
		}
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20) {
			free(o);
			*used = i;
			return fault_null(f, EX_USAGE,
			    "control character in string");
		}
		if (c != '\\') {
			o[n++] = c;
			i++;
			continue;
		}
		bs = i;
		c = s[i + 1];
		i += 2;
		switch (c) {
		case '"': case '\\': case '/':
			o[n++] = c;
			break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u':
			if (utf8_hex4(s + i, &cp) == -1)
				goto bad;
			cp = utf8_escape(s + i, strlen(s + i), &u);
			i += u;
			n += utf8_put(o + n, cp);
			break;
		default:
			goto bad;
		}
	}
	o[n] = '\0';
	*used = i + 1;
	*outlen = n;
	return o;
bad:
	free(o);
	*used = bs;
	return bad_escape(s + bs, f);
}

/* After the leading '.', one step: ident, "str", or a bracket. */
static int
parse_bracket(struct path *p, const char *s, size_t *i, struct fault *f)
{
	size_t used, klen;
	int64_t idx = 0;
	char *key;

	(*i)++;		/* '[' */
	if (s[*i] == '"') {
		if ((key = path_json_string(s + *i, &used, &klen, f)) == NULL)
			return -1;
		*i += used;
		if (s[*i] != ']') {
			free(key);
			return fault_set(f, EX_USAGE, "expected ']'");
		}
		(*i)++;
		return add_step(p, key, klen, 0, f);
	}
	if (s[*i] < '0' || s[*i] > '9')
		return fault_set(f, EX_USAGE,
		    "expected an index or a \"key\" after '['");
	while (s[*i] >= '0' && s[*i] <= '9') {
		if (idx > (INT64_MAX - 9) / 10)
			return fault_set(f, EX_USAGE, "index too large");
		idx = idx * 10 + (s[(*i)++] - '0');
	}
	if (s[*i] != ']')
		return fault_set(f, EX_USAGE, "expected ']'");
	(*i)++;
	return add_step(p, NULL, 0, idx, f);
}

int
path_parse_prefix(struct path *p, const char *s, size_t *usedp,
    struct fault *f)
{
	size_t i = 0, used, klen, j;
	char *key;

	memset(p, 0, sizeof(*p));
	if (s[0] != '.')
		return fault_set(f, EX_USAGE, "a path starts with '.'");
	i = 1;
	for (;;) {
		if (s[i] == '[') {
			if (parse_bracket(p, s, &i, f) == -1)
				goto fail;
		} else if (s[i] == '"' && (i == 1 || s[i - 1] == '.')) {
			key = path_json_string(s + i, &used, &klen, f);
			if (key == NULL)
				goto fail;
			i += used;
			if (add_step(p, key, klen, 0, f) == -1)
				goto fail;
		} else if (ident_start((unsigned char)s[i]) &&
		    (i == 1 || s[i - 1] == '.')) {
			for (j = i; ident_char((unsigned char)s[j]); j++)
				;
			key = xstrndup(s + i, j - i);
			if (add_step(p, key, j - i, 0, f) == -1)
				goto fail;
			i = j;
		} else if (i > 1 && s[i - 1] == '.') {
			fault_set(f, EX_USAGE, "expected a field name after '.'");
			goto fail;
		} else {
			break;
		}
		if (s[i] == '.' && (s[i + 1] == '[' || s[i + 1] == '"' ||
		    ident_start((unsigned char)s[i + 1])))
			i++;
		else if (s[i] != '[')
			break;
	}
	if (i > PATH_TEXT_MAX) {
		fault_set(f, EX_USAGE, "path longer than %d bytes",
		    PATH_TEXT_MAX);
		goto fail;
	}
	p->text = xstrndup(s, i);
	*usedp = i;
	return 0;
fail:
	path_release(p);
	return -1;
}

int
path_parse(struct path *p, const char *text, struct fault *f)
{
	size_t used;

	if (path_parse_prefix(p, text, &used, f) == -1) {
		fault_prefix(f, text);
		return -1;
	}
	if (text[used] != '\0') {
		path_release(p);
		fault_set(f, EX_USAGE, "bad path \"%s\": unexpected '%c'",
		    text, text[used]);
		return -1;
	}
	return 0;
}

void
path_release(struct path *p)
{
	int i;

	for (i = 0; i < p->nsteps; i++)
		free(p->steps[i].key);
	free(p->steps);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

int
path_equal(const struct path *a, const struct path *b)
{
	int i;

	if (a->nsteps != b->nsteps)
		return 0;
	for (i = 0; i < a->nsteps; i++) {
		const struct path_step *x = &a->steps[i], *y = &b->steps[i];

		if ((x->key == NULL) != (y->key == NULL))
			return 0;
		if (x->key == NULL ? x->index != y->index :
		    x->keylen != y->keylen ||
		    memcmp(x->key, y->key, x->keylen) != 0)
			return 0;
	}
	return 1;
}

void
path_name(const struct path *p, const char **name, size_t *len)
{
	int i;

	for (i = p->nsteps - 1; i >= 0; i--) {
		if (p->steps[i].key != NULL) {
			*name = p->steps[i].key;
			*len = p->steps[i].keylen;
			return;
		}
	}
	*name = "value";
	*len = 5;
}

int
path_parse_list(const char *text, struct path **out, struct fault *f)
{
	struct path *v = NULL;
	size_t used;
	int n = 0;
	const char *s = text;

	for (;;) {
		v = xrealloc(v, sizeof(*v) * (size_t)(n + 1));
		if (path_parse_prefix(&v[n], s, &used, f) == -1) {
			fault_prefix(f, text);
			path_free_list(v, n);
			return -1;
		}
		n++;
		s += used;
		if (*s == '\0')
			break;
		if (*s != ',') {
			fault_set(f, EX_USAGE, "bad path list \"%s\": "
			    "unexpected '%c'", text, *s);
			path_free_list(v, n);
			return -1;
		}
		s++;
	}
	*out = v;
	return n;
}

void
path_free_list(struct path *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		path_release(&v[i]);
	free(v);
}
