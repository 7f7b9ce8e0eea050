/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	message - the message as read, built part by part for the content checks
 * DESCRIPTION
 *	The glue's MIME reader (milter/mime.c) turns the bytes the MTA sent
 *	into a struct rw_message through these functions: headers decoded,
 *	the text of every text part (HTML reduced), the distinct URLs found,
 *	and each leaf part's type and name. The content checks read it at
 *	end of message. Every add copies what it is given; an allocation
 *	failure marks the message (nomem), so the stage tempfails instead
 *	of judging a message it only half holds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"

/* rw_message_init - an empty message */
void
rw_message_init(struct rw_message *m)
{
	memset(m, 0, sizeof(*m));
}

/* rw_message_release - free everything; the message is empty again */
void
rw_message_release(struct rw_message *m)
{
	size_t	i;

	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->text);
	for (i = 0; i < m->nurls; i++) {
		free(m->urls[i].text);
		free(m->urls[i].host);
	}
	free(m->urls);
	for (i = 0; i < m->nparts; i++) {
		free(m->parts[i].type);
		free(m->parts[i].filename);
	}
	free(m->parts);
	rw_message_init(m);
}

/* grow - room for one more element in an array of *cap; false: no memory */
static bool
grow(void **v, size_t n, size_t *cap, size_t size)
{
	void	*p;
	size_t	 c;

	if (n < *cap)
		return true;
	c = *cap == 0 ? 8 : 2 * *cap;
	if ((p = reallocarray(*v, c, size)) == NULL)
		return false;
	*v = p;
	*cap = c;
	return true;
}

/* nomem - mark the message and say so */
static bool
nomem(struct rw_message *m)
{
	m->nomem = true;
	return false;
}

/* rw_message_add_header - one header, copied */
bool
rw_message_add_header(struct rw_message *m, const char *name, const char *value)
{
	struct rw_msg_header *h;
	char	*n, *v;

	if (!grow((void **)&m->headers, m->nheaders, &m->headers_cap,
	    sizeof(*m->headers)))
		return nomem(m);
	n = strdup(name != NULL ? name : "");
	v = strdup(value != NULL ? value : "");
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return nomem(m);
	}
	h = &m->headers[m->nheaders++];
	h->name = n;
	h->value = v;
	return true;
}

/* rw_message_add_text - a part's text, after the others ("\n" between) */
bool
rw_message_add_text(struct rw_message *m, const char *text, size_t len)
{
	size_t	need, sep = m->textlen > 0 ? 1 : 0;
	char	*p;

	if (len == 0)
		return true;
	if (len > SIZE_MAX / 2 - m->textlen - 2)
		return nomem(m);
	need = m->textlen + sep + len + 1;
	if (need > m->text_cap) {
		size_t cap = m->text_cap == 0 ? 4096 : m->text_cap;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(m->text, cap)) == NULL)
			return nomem(m);
		m->text = p;
		m->text_cap = cap;
	}
	if (sep)
		m->text[m->textlen++] = '\n';
	memcpy(m->text + m->textlen, text, len);
	m->textlen += len;
	m->text[m->textlen] = '\0';
	return true;
}

/* rw_message_add_url - a normalised URL, once per text */
bool
rw_message_add_url(struct rw_message *m, const struct rw_url *u)
{
	struct rw_msg_url *e;
	char	*t, *h;
	size_t	 i;

	for (i = 0; i < m->nurls; i++)
		if (strcmp(m->urls[i].text, u->text) == 0)
			return true;
	if (m->nurls >= RW_MSG_URLS_MAX) {
		m->urls_dropped++;
		return true;
	}
	if (!grow((void **)&m->urls, m->nurls, &m->urls_cap, sizeof(*m->urls)))
		return nomem(m);
	t = strdup(u->text);
	h = strdup(u->host);
	if (t == NULL || h == NULL) {
		free(t);
		free(h);
		return nomem(m);
	}
	e = &m->urls[m->nurls++];
	e->text = t;
	e->host = h;
	e->host_ip = u->host_ip;
	e->ip = u->ip;
	e->tricks = u->tricks;
	return true;
}

/* rw_message_add_part - a leaf part's type and name */
bool
rw_message_add_part(struct rw_message *m, const char *type,
    const char *filename, bool attachment)
{
	struct rw_msg_part *p;
	char	*t, *f;

	if (!grow((void **)&m->parts, m->nparts, &m->parts_cap, sizeof(*m->parts)))
		return nomem(m);
	t = strdup(type != NULL ? type : "");
	f = strdup(filename != NULL ? filename : "");
	if (t == NULL || f == NULL) {
		free(t);
		free(f);
		return nomem(m);
	}
	rw_lowercase(t);
	p = &m->parts[m->nparts++];
	p->type = t;
	p->filename = f;
	p->attachment = attachment;
	return true;
}
