/*
 * cmd_fields: fulfilctl fields [--json], the inventory of order fields
 * (R15, records of processing): for each field whether it is PII, where
 * the cache keeps it, how it is disposed of, why it is held, and how each
 * role sees it.
 *
 * Printed from the role x field table in policy.c, the one the views
 * enforce, so the inventory cannot drift from the code. Opens no station
 * and reads no cache: it works before init. Prints no order data (it has
 * none).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ferr.h"
#include "i18n.h"
#include "policy.h"


/* Text columns: field, pii, stored, disposed, then one per role. */
#define FIELDS_FIXED_COLS 4
#define FIELDS_COLS (FIELDS_FIXED_COLS + ROLE_MAX)

/* The cell a role's column shows; a supervisor's marks what a reveal adds. */
static const char *
fields_cell(const struct policy_field *pf, enum role r, char *buf,
    size_t len)
{
	enum field_vis v = policy_field_visibility(pf->field, ROLE_BIT(r),
	    false);

	if (v == VIS_HIDDEN && (r != ROLE_SUPERVISOR ||
	    policy_field_visibility(pf->field, ROLE_BIT(r), true) == v))
		return "-";
	if (r == ROLE_SUPERVISOR &&
	    policy_field_visibility(pf->field, ROLE_BIT(r), true) != v) {
		(void)snprintf(buf, len, "%s*", v == VIS_HIDDEN ? "-" :
		    policy_vis_name(v));
		return buf;
	}
	return policy_vis_name(v);
}

static const char *
fields_column(const struct policy_field *pf, size_t col, char *buf,
    size_t len)
{
	switch (col) {
	case 0:
		return pf->name;
	case 1:
		return policy_pii_name(pf->pii);
	case 2:
		return policy_store_name(pf->stored);
	case 3:
		return policy_dispose_name(pf->disposed);
	default:
		return fields_cell(pf, (enum role)(col - FIELDS_FIXED_COLS +
		    ROLE_PICKER), buf, len);
	}
}

static const char *
fields_header(size_t col)
{
	switch (col) {
	case 0:
		return _("field");
	case 1:
		return _("pii");
	case 2:
		return _("stored");
	case 3:
		return _("disposed");
	default:
		return policy_role_name((enum role)(col - FIELDS_FIXED_COLS +
		    ROLE_PICKER));
	}
}

static void
fields_print_row(const char *const cell[FIELDS_COLS],
    const size_t width[FIELDS_COLS])
{
	size_t c;

	for (c = 0; c < FIELDS_COLS; c++) {
		if (c + 1 < FIELDS_COLS)
			printf("%-*s ", (int)width[c], cell[c]);
		else
			printf("%s\n", cell[c]);
	}
}

static int
fields_text(void)
{
	const struct policy_field *pf;
	const char *cell[FIELDS_COLS];
	char buf[FIELDS_COLS][32];
	size_t width[FIELDS_COLS], i, c, n;

	for (c = 0; c < FIELDS_COLS; c++)
		width[c] = strlen(fields_header(c));
	for (i = 0; (pf = policy_field_at(i)) != NULL; i++)
		for (c = 0; c < FIELDS_COLS; c++) {
			n = strlen(fields_column(pf, c, buf[c],
			    sizeof buf[c]));
			if (n > width[c])
				width[c] = n;
		}
	for (c = 0; c < FIELDS_COLS; c++)
		cell[c] = fields_header(c);
	fields_print_row(cell, width);
	for (i = 0; (pf = policy_field_at(i)) != NULL; i++) {
		for (c = 0; c < FIELDS_COLS; c++)
			cell[c] = fields_column(pf, c, buf[c], sizeof buf[c]);
		fields_print_row(cell, width);
	}

	printf("\n%s\n", _("Who sees what (a person with several roles gets, "
	    "per field, the most of them):"));
	printf("  shown       %s\n", _("on the screen as it is"));
	printf("  masked      %s\n", _("on the screen masked (J. D*****, "
	    "SW1A ***); on the dispatch label in full"));
	printf("  print-only  %s\n", _("never on the screen; only on the "
	    "dispatch label"));
	printf("  -           %s\n", _("hidden: not on the screen, not "
	    "printed"));
	printf("  *           %s\n", _("a supervisor's reveal of one order, "
	    "with a reason (audited), shows it"));
	printf("\n%s\n", _("PII: yes identifies, contacts or locates a "
	    "person; linked is about a person only together with the "
	    "recipient; no is operational."));
	printf("\n%s\n", _("Stored:"));
	printf("  plain       %s\n",
	    policy_store_description(FIELD_STORE_PLAIN));
	printf("  sealed      %s\n",
	    policy_store_description(FIELD_STORE_SEALED));
	printf("  derived     %s\n",
	    policy_store_description(FIELD_STORE_DERIVED));
	printf("\n%s\n", _("Disposed:"));
	printf("  tombstone   %s\n",
	    policy_dispose_description(FIELD_DISPOSE_TOMBSTONE));
	printf("  shredded    %s\n",
	    policy_dispose_description(FIELD_DISPOSE_SHRED));
	printf("  view        %s\n",
	    policy_dispose_description(FIELD_DISPOSE_VIEW));

	printf("\n%s\n", _("Purpose (L: on the dispatch label):"));
	for (i = 0; (pf = policy_field_at(i)) != NULL; i++)
		printf("  %-*s %s %s\n", (int)width[0], pf->name,
		    pf->label ? "L" : " ", _(pf->purpose));
	return CTL_EXIT_OK;
}

static json_t *
fields_json_one(const struct policy_field *pf)
{
	json_t *vis, *o;
	enum role r;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s}",
	    "field", pf->name,
	    "title", pf->title,
	    "pii", policy_pii_name(pf->pii),
	    "stored", policy_store_name(pf->stored),
	    "disposed", policy_dispose_name(pf->disposed),
	    "item", (int)pf->item,
	    "label", (int)pf->label,
	    "purpose", pf->purpose);
	if (o == NULL || (vis = json_object()) == NULL ||
	    json_object_set_new(o, "visibility", vis) != 0)
		goto fail;
	for (r = ROLE_PICKER; r <= ROLE_MAX; r++)
		if (json_object_set_new(vis, policy_role_name(r),
		    json_string(policy_vis_name(policy_field_visibility(
		    pf->field, ROLE_BIT(r), false)))) != 0)
			goto fail;
	if (json_object_set_new(o, "reveal", json_string(policy_vis_name(
	    policy_field_visibility(pf->field, ROLE_BIT(ROLE_SUPERVISOR),
	    true)))) != 0)
		goto fail;
	return o;
fail:
	json_decref(o);	/* set_new took vis, also when it failed */
	return NULL;
}

static int
fields_json(void)
{
	const struct policy_field *pf;
	json_t *o, *arr = NULL, *roles = NULL;
	char *text;
	enum role r;
	size_t i;

	/* json_object_set_new and json_array_append_new take the value,
	 * also when they fail. */
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "roles", roles = json_array()) != 0 ||
	    json_object_set_new(o, "fields", arr = json_array()) != 0)
		goto nomem;
	for (r = ROLE_PICKER; r <= ROLE_MAX; r++)
		if (json_array_append_new(roles,
		    json_string(policy_role_name(r))) != 0)
			goto nomem;
	for (i = 0; (pf = policy_field_at(i)) != NULL; i++)
		if (json_array_append_new(arr, fields_json_one(pf)) != 0)
			goto nomem;
	if ((text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto nomem;
	printf("%s\n", text);
	free(text);
	json_decref(o);
	return CTL_EXIT_OK;
nomem:
	json_decref(o);
	fprintf(stderr, "fulfilctl: fields: %s\n", _("out of memory"));
	return CTL_EXIT_FAILED;
}

int
cmd_fields(struct ctl *c, int argc, char **argv)
{
	bool json = false;
	int i, rc;

	(void)c;	/* no configuration, no station: works before init */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		return ctl_usage_error("fields", _("unexpected argument '%s' "
		    "(the only option is --json)"), ctl_shown(argv[i]));
	}
	rc = json ? fields_json() : fields_text();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fulfilctl: fields: %s\n",
		    _("cannot write the output"));
		return CTL_EXIT_FAILED;
	}
	return rc;
}
