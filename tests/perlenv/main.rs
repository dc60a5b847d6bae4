//! perlenv with real perl, cpanm, CPAN tarballs and shells: activation,
//! installs (sandboxed, parallel, cached), locks, safety, real accounts.

mod activate;
mod build;
mod cpan;
mod install;
mod install_safety;
mod lock;
mod sandbox;
mod trust;
