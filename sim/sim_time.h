/*
 * sim_time.h — simulated time and the calendar at its edges.
 *
 * Simulated time is an int64 count of microseconds since 00:00 UTC of the
 * scenario's start date (2^63 us is ~292,000 years: no overflow worry).
 * Calendar dates appear only where people read or write them (scenario
 * parsing, output coordinates); inside, a date is a day number since
 * 1970-01-01 (proleptic Gregorian, no time zones, no leap seconds).
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

typedef int64_t sim_time;

#define SIM_US_PER_SEC  INT64_C(1000000)
#define SIM_US_PER_MIN  (INT64_C(60) * SIM_US_PER_SEC)
#define SIM_US_PER_HOUR (INT64_C(60) * SIM_US_PER_MIN)
#define SIM_US_PER_DAY  (INT64_C(24) * SIM_US_PER_HOUR)
#define SIM_TIME_NEVER  INT64_MAX

static inline sim_time sim_time_from_days(int64_t days) { return days * SIM_US_PER_DAY; }
static inline sim_time sim_time_from_hours(double h) { return (sim_time)(h * (double)SIM_US_PER_HOUR); }
static inline sim_time sim_time_from_minutes(double m) { return (sim_time)(m * (double)SIM_US_PER_MIN); }
static inline sim_time sim_time_from_seconds(double s) { return (sim_time)(s * (double)SIM_US_PER_SEC); }
/* Whole days since the start (floor, also for negative times). */
static inline int64_t sim_time_day(sim_time t)
{
    return t >= 0 ? t / SIM_US_PER_DAY : -((-t + SIM_US_PER_DAY - 1) / SIM_US_PER_DAY);
}
static inline sim_time sim_time_of_day(sim_time t) { return t - sim_time_day(t) * SIM_US_PER_DAY; }

/* Civil calendar: day number since 1970-01-01 <-> (year, month 1-12, day 1-31). */
int64_t sim_days_from_civil(int y, int m, int d);
void sim_civil_from_days(int64_t z, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday. */
int sim_weekday(int64_t days_since_epoch);
/* Parse "YYYY-MM-DD" strictly (month/day range checked, leap years); 0 on success, -1 if malformed. */
int sim_parse_date(const char *s, int64_t *days_since_epoch);
/* Write "YYYY-MM-DD" into buf (at least 11 bytes). */
void sim_format_date(int64_t days_since_epoch, char *buf);

#endif
