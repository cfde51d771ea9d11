#!/usr/bin/env node
// The command-line client (push_increment, pull_raw, push_image, pull_image, ls).
console.error('not implemented yet');
process.exit(1);
