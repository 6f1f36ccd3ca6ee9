// The per-run record is the model's (models/run_outcome.h); analysis only
// reads it.
#pragma once

#include "models/run_outcome.h"
