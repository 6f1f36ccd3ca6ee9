// A thin executable: everything lives in the libraries.
#include "commands.h"

int main(int argc, char** argv) { return shortfall::run_command_line(argc, argv); }
