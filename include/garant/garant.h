/*
** garant.h - the umbrella header of libgarant, the SLA clock.
*/
#ifndef GARANT_H
#define GARANT_H

#include "garant/error.h"
#include "garant/time.h"
#include "garant/tz.h"
#include "garant/calendar.h"
#include "garant/policy.h"
#include "garant/clock.h"
#include "garant/config.h"

#define GARANT_VERSION "0.1.0"

#endif
