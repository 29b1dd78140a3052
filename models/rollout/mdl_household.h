/*
 * mdl_household.h — one household (a premise with a property reference
 * number) as the rollout sees it: fixed attributes, the state of its
 * electricity meter, gas meter and comms hub, and where it stands in the
 * replacement process.  16 bytes, packed by hand: the whole GB fleet (30
 * million) takes 480 MB, and four households share a cache line.  The
 * process touches households in random order (shuffled work lists,
 * pending lists), so each touch is one cache miss whatever the layout;
 * one compact struct (array of structs) keeps it at one miss, where a
 * struct of arrays would make it several.  Nothing that only the shard's
 * lists need (due day, next in a list) lives here: those live in the
 * lists themselves.
 *
 * Also: drawing a household's attributes from its own random stream
 * (mdl_household_generate), and the derived household state published as
 * /rollout/households_by_state.  Not for: the process logic (mdl_rollout.c,
 * mdl_visit.c).
 */
#ifndef MDL_HOUSEHOLD_H
#define MDL_HOUSEHOLD_H

#include <stdint.h>

#include "mdl_rollout_params.h"
#include "sim_draw.h"
#include "sim_rng.h"

/* "Never" for a day since the start: days fit 16 bits because a run is at
 * most 60 years (about 21,900 days; mdl_scenario.c checks it). */
#define MDL_DAY_NEVER 0xFFFF

/* State of one device (meter or comms hub). */
enum mdl_device_state {
    MDL_DEV_LEGACY = 0,        /* the old (dumb) meter; for the hub: no hub */
    MDL_DEV_COMMISSIONED = 1,  /* smart and commissioned (meter: joined to the HAN; hub: on the DCC) */
    MDL_DEV_TRADITIONAL = 2,   /* smart device installed, working in traditional (dumb) mode */
    MDL_DEV_NOT_JOINED = 3,    /* meter: installed, not on the HAN; hub: SMETS1, not on the DCC */
};

/* Household state: the `state` coordinate of /rollout/households_by_state. */
enum mdl_hh_state {
    MDL_HH_LEGACY,         /* old meters, not (yet) in contact */
    MDL_HH_ENGAGED,        /* old meters, appointment agreed or being rebooked */
    MDL_HH_DECLINED,       /* old meters, refused (waiting for a re-contact, or for good) */
    MDL_HH_SMETS1,         /* SMETS1 meters working smart, not on the DCC */
    MDL_HH_TRADITIONAL,    /* smart meters working in traditional mode */
    MDL_HH_PARTIAL,        /* hub on the DCC, a meter not joined (HAN revisit pending) */
    MDL_HH_SMART,          /* every meter smart and commissioned through the DCC */
    MDL_N_HH_STATES
};
extern const char *const mdl_hh_state_names[MDL_N_HH_STATES];

/* Where the household is in the process (what will happen to it next). */
enum mdl_proc {
    MDL_PROC_LIST,          /* in the supplier's work list, never approached */
    MDL_PROC_READY_CONTACT, /* unused: a due re-contact keeps WAIT_CONTACT while in the ready list */
    MDL_PROC_READY_BOOK,    /* agreed, due for a (re)booking without contact */
    MDL_PROC_BOOKED,        /* appointment in an installer's diary */
    MDL_PROC_WAIT_CONTACT,  /* waiting (pending list) for a re-contact */
    MDL_PROC_WAIT_BOOK,     /* waiting for a rebook or revisit booking */
    MDL_PROC_WAIT_REMOTE,   /* installed without WAN: waiting for remote commissioning */
    MDL_PROC_WAIT_MIGRATE,  /* SMETS1 waiting for migration onto the DCC */
    MDL_PROC_FLEET,         /* installed: waiting (pending list) for its next fleet-life event (rollout.fleet) */
    MDL_PROC_DONE,          /* nothing more will happen */
};

/* Revisit reasons (bits of mdl_household.fix). */
#define MDL_FIX_HAN   1u     /* a meter did not join the HAN */
#define MDL_FIX_OTHER 2u     /* a later step failed (hub, connectivity, configuration ...) */

/* Flags. */
#define MDL_HHF_POSTPONED 1u /* already postponed once for WAN coverage */

typedef struct mdl_household {
    uint16_t wan_day;      /* day (since the start) WAN coverage arrives; 0 = at start; MDL_DAY_NEVER */
    uint16_t attrs;        /* region:2 dwelling:2 dual:1 prepay:1 han:2 supplier:4 */
    uint8_t meters;        /* elec:2 gas:2 hub:2 smets2:1 */
    uint8_t stage;         /* enum mdl_hh_state */
    uint8_t proc;          /* enum mdl_proc */
    uint8_t fix;           /* MDL_FIX_* */
    uint8_t flags;         /* MDL_HHF_* */
    uint8_t n_contact;     /* contacts so far (names the contact stream) */
    uint8_t n_visit;       /* visits so far (names the visit streams) */
    uint8_t n_book;        /* bookings so far (names the appointment stream) */
    uint8_t n_noanswer;    /* unanswered contacts in a row */
    uint8_t n_refusal;     /* refusals so far */
    uint8_t n_rebook;      /* rebooks since the last contact */
    uint8_t n_revisit;     /* revisits so far */
} mdl_household;

/* ---- attributes ---------------------------------------------------------- */
static inline int mdl_hh_region(const mdl_household *h) { return h->attrs & 3u; }
static inline int mdl_hh_dwelling(const mdl_household *h) { return (h->attrs >> 2) & 3u; }
static inline int mdl_hh_dual(const mdl_household *h) { return (h->attrs >> 4) & 1u; }
static inline int mdl_hh_prepay(const mdl_household *h) { return (h->attrs >> 5) & 1u; }
static inline int mdl_hh_han(const mdl_household *h) { return (h->attrs >> 6) & 3u; }
static inline int mdl_hh_supplier(const mdl_household *h) { return (h->attrs >> 8) & 15u; }
static inline void mdl_hh_set_supplier(mdl_household *h, int s) { h->attrs = (uint16_t)((h->attrs & ~0xF00u) | (unsigned)s << 8); }
static inline void mdl_hh_set_prepay(mdl_household *h, int v) { h->attrs = (uint16_t)((h->attrs & ~32u) | (unsigned)(v != 0) << 5); }
static inline void mdl_hh_set_dual(mdl_household *h, int v) { h->attrs = (uint16_t)((h->attrs & ~16u) | (unsigned)(v != 0) << 4); }
static inline uint16_t mdl_hh_pack_attrs(int region, int dwelling, int dual, int prepay, int han, int supplier)
{
    return (uint16_t)((unsigned)region | (unsigned)dwelling << 2 | (unsigned)dual << 4 | (unsigned)prepay << 5 |
                      (unsigned)han << 6 | (unsigned)supplier << 8);
}

/* ---- devices -------------------------------------------------------------- */
static inline int mdl_hh_elec(const mdl_household *h) { return h->meters & 3u; }
static inline int mdl_hh_gas(const mdl_household *h) { return (h->meters >> 2) & 3u; }
static inline int mdl_hh_hub(const mdl_household *h) { return (h->meters >> 4) & 3u; }
static inline int mdl_hh_smets2(const mdl_household *h) { return (h->meters >> 6) & 1u; }
static inline void mdl_hh_set_elec(mdl_household *h, int s) { h->meters = (uint8_t)((h->meters & ~3u) | (unsigned)s); }
static inline void mdl_hh_set_gas(mdl_household *h, int s) { h->meters = (uint8_t)((h->meters & ~12u) | (unsigned)s << 2); }
static inline void mdl_hh_set_hub(mdl_household *h, int s) { h->meters = (uint8_t)((h->meters & ~48u) | (unsigned)s << 4); }
static inline void mdl_hh_set_smets2(mdl_household *h, int v) { h->meters = (uint8_t)((h->meters & ~64u) | (unsigned)(v != 0) << 6); }

/* The household state its devices imply once smart meters are installed
 * (old meters: returns `legacy_state`, which the process decides). */
static inline int mdl_hh_device_state(const mdl_household *h, int legacy_state)
{
    int e = mdl_hh_elec(h), hub = mdl_hh_hub(h);
    if (e == MDL_DEV_LEGACY)
        return legacy_state;
    if (hub == MDL_DEV_NOT_JOINED && e == MDL_DEV_COMMISSIONED)
        return MDL_HH_SMETS1;
    if (hub == MDL_DEV_COMMISSIONED) {
        if (e != MDL_DEV_COMMISSIONED)
            return MDL_HH_TRADITIONAL;   /* (a fault or lost HAN link: the rollout never leaves this) */
        if (!mdl_hh_dual(h) || mdl_hh_gas(h) == MDL_DEV_COMMISSIONED)
            return MDL_HH_SMART;
        return MDL_HH_PARTIAL;
    }
    return MDL_HH_TRADITIONAL;
}

/* Draw household `id`'s attributes from stream (seed, id, MDL_RNG_POPULATION).
 * start_day: the scenario's first day (days since 1970-01-01); WAN dates
 * become days since the start. */
void mdl_household_generate(const mdl_rollout_params *p, int64_t start_day, uint64_t seed, uint64_t id,
                            mdl_household *h);

#endif
