/*
 * report: compliance evidence, one entry per rule R1-R16 of
 * REQUIREMENTS.md (fulfilctl report). Each entry names the rule, says
 * whether it holds right now (ok), is broken right now (violated) or is
 * kept by construction with nothing to measure (info), and carries the
 * live evidence as numbers and names, never customer data.
 */
#ifndef FULFIL_REPORT_H
#define FULFIL_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ferr.h"

struct station;

/*
 * Build the report at time now: {"station_id":..., "generated_at":...,
 * "violated": bool, "rules":[{"rule":"R1","title":...,"status":...,
 * "evidence":{...}}, ...]}. *out is the caller's to json_decref();
 * *violated is true when any rule is violated. Works on a read-only
 * station (the auditor's open).
 */
int report_build(struct station *s, int64_t now, json_t **out,
    bool *violated, struct ferr *err);

#endif
