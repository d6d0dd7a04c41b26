#pragma once
#define MDRUN_VERSION_STRING "0.1.0"
