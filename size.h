/*
 * size.h — `smsim size`: the smallest DCC capacity per stage that keeps every
 * service's share of responses within its target response time (size.c).
 */
#ifndef SIZE_H
#define SIZE_H

#include "sim_err.h"
#include "sim_mpi.h"

int size_main(int argc, char **argv, sim_mpi *dist, sim_err *err);

#endif
