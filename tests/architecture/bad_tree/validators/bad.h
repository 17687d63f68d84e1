// validators may use the stack model but not the stack processes.
#pragma once
#include "stack/model/observed.h"
#include "stack/embedded_stack.h"
