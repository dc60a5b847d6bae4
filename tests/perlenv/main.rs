//! perlenv with real perl, cpanm, CPAN tarballs and shells: activation, installs, locks, safety.

mod activate;
mod cpan;
mod install;
mod install_safety;
mod lock;
