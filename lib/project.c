/*
 * project.c - --keep and --drop over raw value spans.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "path.h"
#include "project.h"
#include "record.h"
#include "xmalloc.h"

/* A --keep trie node: children in --keep order. */
struct knode {
	char		*key;
	size_t		 keylen;
	int		 slot;		/* -1 unless a path ends here */
	struct knode	**kids;
	int		 nkids;
};

struct projection {
	int		 drop;
	struct path	*paths;
	int		 npaths;
	int		*slots;
	struct knode	 root;
	struct buf	 work;
};

static void
knode_release(struct knode *n)
{
	int i;

	for (i = 0; i < n->nkids; i++) {
		knode_release(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->key);
}

static struct knode *
knode_child(struct knode *n, const char *k, size_t len)
{
	struct knode *c;
	int i;

	for (i = 0; i < n->nkids; i++)
		if (n->kids[i]->keylen == len &&
		    memcmp(n->kids[i]->key, k, len) == 0)
			return n->kids[i];
	c = xcalloc(1, sizeof(*c));
	c->key = xmalloc(len + 1);
	memcpy(c->key, k, len);
	c->keylen = len;
	c->slot = -1;
	n->kids = xrealloc(n->kids, sizeof(*n->kids) * (size_t)(n->nkids + 1));
	n->kids[n->nkids++] = c;
	return c;
}

struct projection *
proj_new(const char *keep, const char *drop, struct fields *fl,
    struct fault *f)
{
	struct projection *p;
	struct knode *n;
	int i, j;

	p = xcalloc(1, sizeof(*p));
	p->drop = drop != NULL;
	p->root.slot = -1;
	buf_init(&p->work);
	if ((p->npaths = path_parse_list(p->drop ? drop : keep, &p->paths,
	    f)) == -1) {
		fault_prefix(f, p->drop ? "--drop" : "--keep");
		free(p);
		return NULL;
	}
	p->slots = xcalloc((size_t)p->npaths, sizeof(int));
	for (i = 0; i < p->npaths; i++) {
		struct path *pa = &p->paths[i];

		if (pa->nsteps == 0) {
			fault_set(f, EX_USAGE, "--%s: \".\" is the whole "
			    "record", p->drop ? "drop" : "keep");
			goto fail;
		}
		if ((p->slots[i] = rec_fields_add(fl, pa, f)) == -1)
			goto fail;
		if (p->drop)
			continue;
		for (n = &p->root, j = 0; j < pa->nsteps; j++) {
			if (pa->steps[j].key == NULL) {
				fault_set(f, EX_USAGE, "--keep %s: array "
				    "indexes cannot be kept", pa->text);
				goto fail;
			}
			n = knode_child(n, pa->steps[j].key,
			    pa->steps[j].keylen);
		}
		n->slot = p->slots[i];
	}
	return p;
fail:
	proj_free(p);
	return NULL;
}

void
proj_free(struct projection *p)
{
	if (p == NULL)
		return;
	knode_release(&p->root);
	path_free_list(p->paths, p->npaths);
	free(p->slots);
	buf_release(&p->work);
	free(p);
}

/* Members of n that the record has; returns how many were written. */
static int
keep_object(const struct knode *n, const struct record *r, struct buf *b)
{
	size_t mark;
	int i, wrote = 0;

	buf_addc(b, '{');
	for (i = 0; i < n->nkids; i++) {
		const struct knode *c = n->kids[i];
		const struct value *v = c->slot >= 0 ? &r->v[c->slot] : NULL;

		mark = b->len;
		if (v != NULL && v->type != V_MISSING) {
			buf_json_keyn(b, c->key, c->keylen);
			buf_json_compact(b, v->raw, v->rawlen);
			wrote++;
		} else if (c->nkids > 0) {
			buf_json_keyn(b, c->key, c->keylen);
			if (keep_object(c, r, b) > 0)
				wrote++;
			else
				b->len = mark;
		}
	}
	buf_addc(b, '}');
	return wrote;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Start of the member whose value starts at vs: its key, if any. */
static size_t
member_start(const char *s, size_t vs)
{
	size_t i = vs, k;

	while (i > 0 && is_ws(s[i - 1]))
		i--;
	if (i == 0 || s[i - 1] != ':')
		return vs;		/* an array element */
	i--;
	while (i > 0 && is_ws(s[i - 1]))
		i--;
	/* s[i - 1] is the key's closing quote: find the opening one. */
	for (k = i - 1; k > 0;) {
		size_t bs = 0;

		k--;
		if (s[k] != '"')
			continue;
		while (bs < k && s[k - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return k;
	}
	return vs;
}

static int
span_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Cut each dropped member (and one comma) out of a copy of the text. */
static void
drop_members(struct projection *p, const struct record *r, struct buf *b)
{
	size_t (*sp)[2], n = 0, i, s, e, j;
	struct buf *w = &p->work;

	buf_clear(w);
	buf_add(w, r->p, r->len);
	sp = xmalloc(sizeof(*sp) * (size_t)p->npaths);
	for (i = 0; i < (size_t)p->npaths; i++) {
		const struct value *v = &r->v[p->slots[i]];

		if (v->type == V_MISSING)
			continue;
		sp[n][0] = member_start(r->p, (size_t)(v->raw - r->p));
		sp[n][1] = (size_t)(v->raw - r->p) + v->rawlen;
		n++;
	}
	qsort(sp, n, sizeof(*sp), span_cmp);
	/* A member inside another that goes anyway is not cut twice. */
	for (i = 0, j = 0; i < n; i++)
		if (j == 0 || sp[i][0] >= sp[j - 1][1]) {
			sp[j][0] = sp[i][0];
			sp[j][1] = sp[i][1];
			j++;
		}
	/* From the end, so that earlier offsets stay valid. */
	for (i = j; i-- > 0;) {
		s = sp[i][0];
		e = sp[i][1];
		for (j = s; j > 0 && is_ws(w->data[j - 1]); j--)
			;
		if (j > 0 && w->data[j - 1] == ',') {
			s = j - 1;
		} else {
			for (j = e; j < w->len && is_ws(w->data[j]); j++)
				;
			if (j < w->len && w->data[j] == ',')
				e = j + 1;
		}
		memmove(w->data + s, w->data + e, w->len - e);
		w->len -= e - s;
	}
	free(sp);
	buf_json_compact(b, w->data, w->len);
}

void
proj_write(const struct projection *cp, const struct record *r,
    struct buf *b)
{
	struct projection *p = (struct projection *)cp;

	if (p->drop)
		drop_members(p, r, b);
	else
		keep_object(&p->root, r, b);
}
