// Text in and out of TOML: numbers and strings written so that they read
// back exactly, values described as the user wrote them, and the small
// string helpers of the scenario language. Only sim/input/ includes toml++.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace shortfall {

// Shortest text that reads back as the same double.
std::string shortest(double value);
// A TOML float: TOML reads "2000000" as an integer, so a float keeps a "." or exponent.
std::string toml_float(double value);
std::string toml_string(std::string_view text);
// "[1.0, 2.0]"
std::string toml_number_list(std::span<const double> values);

// A value as the user would recognise it from the file.
std::string describe(const toml::node& node);

std::string joined(std::span<const std::string_view> names);
std::string dotted(std::string_view path, std::string_view key);
std::vector<std::string> split(std::string_view text, char separator);
std::string_view trimmed(std::string_view text);
// An id of an indicator, provider or segment: [a-z0-9_]+.
bool is_valid_id(std::string_view id);
// UTF-8 as TOML requires it: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view text);

// " (did you mean 'x'?)" when a known name is within a third of its length
// in edits, else "": far-fetched suggestions mislead more than they help.
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace shortfall
