/*
 * mdl_common.h — names shared by every model module: DCC regions, random
 * stream purposes.  Kept small on purpose; a module's own names live in its
 * own header.
 */
#ifndef MDL_COMMON_H
#define MDL_COMMON_H

/* The three DCC regions, each served by a Communications Service Provider. */
enum mdl_region { MDL_REGION_NORTH, MDL_REGION_CENTRAL, MDL_REGION_SOUTH, MDL_N_REGIONS };
extern const char *const mdl_region_names[MDL_N_REGIONS];   /* "north", "central", "south" */

/* Random-stream purposes (sim_rng_stream_init's third argument).  Each
 * model step draws from its own purpose so that adding a draw to one step
 * never shifts another step's numbers.  Bits 0-7: purpose; models may fold
 * an attempt number into bits 8-31. */
enum mdl_purpose {
    MDL_RNG_POPULATION = 1,   /* household attributes */
    MDL_RNG_CONTACT,
    MDL_RNG_APPOINTMENT,
    MDL_RNG_VISIT,
    MDL_RNG_INSTALL,
    MDL_RNG_COMMISSION,
    MDL_RNG_AFTER,            /* revisits, WAN-later, migration */
    MDL_RNG_WORKLIST,
    MDL_RNG_WORKFORCE,
    MDL_RNG_FLEET,            /* life after the install: hazards (| kind << 8 | day << 12), events */
    MDL_RNG_FLEET_SUPPLIER,   /* a supplier's own tariff-change days */
    MDL_RNG_DCC_FLEET = 32,   /* per-hub read time, generation ... */
    MDL_RNG_DCC_TRAFFIC,      /* per-day, per-region traffic draws */
    MDL_RNG_DCC_DETAIL,       /* request-level draws */
    MDL_RNG_DCC_OUTAGE,       /* background interruptions: entity = date, | region << 8 */
    MDL_RNG_MAX = 255
};

#endif
