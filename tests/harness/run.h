#ifndef DKR_RUN_H
#define DKR_RUN_H
int dkr_run_main(int argc, char **argv);
int dkr_conformance_main(int argc, char **argv);
int dkr_info_main(int argc, char **argv);
#endif
