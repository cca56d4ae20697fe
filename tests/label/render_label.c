/*
 * render_label: a check program that builds one dispatch label from
 * synthetic data (built in, or a hostile variant) and sends it through
 * printer_send to --uri, so that tests/cli/label-render.sh sees the bytes
 * the real transport delivers. Only synthetic people; prints the number
 * of bytes sent, never label text.
 *
 * usage: render_label --uri URI [--dpi 203|300] [--lang zpl|epl]
 *            [--hostile] [--ref REF] [--host-status] [--timeout MS]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferr.h"
#include "label.h"
#include "printer.h"
#include "proc.h"
#include "secret.h"

#define LONG_LINE 5000

static void
usage(FILE *f)
{
	fprintf(f, "usage: render_label --uri URI [--dpi 203|300] "
	    "[--lang zpl|epl] [--hostile] [--ref REF] [--host-status] "
	    "[--timeout MS]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "uri", required_argument, NULL, 'u' },
		{ "dpi", required_argument, NULL, 'd' },
		{ "lang", required_argument, NULL, 'l' },
		{ "hostile", no_argument, NULL, 'H' },
		{ "ref", required_argument, NULL, 'r' },
		{ "host-status", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct label_data d;
	struct printer_opts po;
	struct secret *lbl = NULL;
	struct ferr err;
	enum label_language lang = LABEL_ZPL;
	const char *uri = NULL;
	char *longline = NULL;
	unsigned status = 0;
	size_t sent = 0;
	int c, dpi = LABEL_DPI_203, hostile = 0, rc = 1;

	if (proc_harden(&err) != 0) {
		fprintf(stderr, "render_label: %s\n", err.msg);
		return 1;
	}
	memset(&po, 0, sizeof po);
	memset(&d, 0, sizeof d);
	d.sender = "Example Ltd, Unit 4, Example Park, EX1 2MP, GB";
	d.name = "Ada Testperson";
	d.line1 = "1 Example Street";
	d.line2 = "Flat 2";
	d.city = "Testville";
	d.region = "Exampleshire";
	d.postcode = "EX1 2MP";
	d.country = "GB";
	d.service = "Standard";
	d.order_id = "A-1001";
	d.ref = "114-1234567-1234567";
	d.tracking = "TRK000111222GB";
	d.items = 3;
	d.weight_g = 1250;
	d.ship_by = 1795453200;	/* 2026-11-23T17:00:00Z */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			uri = optarg;
			break;
		case 'd':
			dpi = atoi(optarg);
			break;
		case 'l':
			if (label_language_parse(optarg, &lang) != 0) {
				usage(stderr);
				return 2;
			}
			break;
		case 'H':
			hostile = 1;
			break;
		case 'r':
			d.ref = optarg;
			break;
		case 's':
			po.host_status = true;
			break;
		case 't':
			po.connect_timeout_ms = atoi(optarg);
			po.io_timeout_ms = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (uri == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (hostile) {
		if ((longline = malloc(LONG_LINE + 1)) == NULL)
			return 1;
		memset(longline, 'W', LONG_LINE);
		longline[LONG_LINE] = '\0';
		d.name = "^XZ^XA^FDpwned~JR~PS_1F\\&\x1b[31m\x07\x7f";
		d.line1 = longline;
		d.line2 = "\xe2\x80\xae\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d "
		    "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85\xe2\x80\xac";
		d.city = "Bad\xff\xc0\xafUTF8\xc2\x9b" "2J";
		d.region = "~PS~JR";
		d.postcode = "^XZ";
		d.country = "_5E\r\nGB";
		d.service = "\"quoted\" \\ back";
		d.tracking = "~HS";
	}
	ferr_clear(&err);
	if (label_render(lang, dpi, &d, &lbl, &err) != 0) {
		fprintf(stderr, "render_label: %s\n", err.msg);
		goto out;
	}
	if (printer_send(uri, &po, lbl->data, lbl->len, &sent, &status,
	    &err) != 0) {
		fprintf(stderr, "render_label: %s\n", err.msg);
		goto out;
	}
	printf("sent %zu bytes\n", sent);
	rc = 0;
out:
	secret_free(lbl);
	free(longline);
	return rc;
}
