# What a dist needs, and what of it the environment already has.
# Usage: perl -e CODE META PHASES LIB ARCHLIB [HIDDEN...]
# META is the dist's MYMETA.json/.yml or META.json/.yml ('' for none, `-`
# for `module TAB range` lines on stdin);
# PHASES a comma-separated list (configure,build,test,runtime). Prints
#   dist TAB name TAB version
# then, for each module the `requires` of those phases name (merged; perl
# itself left out),
#   need TAB module TAB range TAB have TAB ok
# where `have` is the version found where the environment's programs look
# (LIB, ARCHLIB, then perl's @INC without the HIDDEN directories), `undef`
# for a module without a version, or empty when it is not there; `ok` is 1
# when that version satisfies the range. No module's code is loaded.
use strict; use warnings;
use CPAN::Meta; use CPAN::Meta::Prereqs; use CPAN::Meta::Requirements; use Module::Metadata;
my ($file, $phases, $lib, $arch, @hidden) = @ARGV;
my %hidden = map { ($_ => 1) } @hidden;
my @dirs = ($lib, $arch, grep { !ref && !$hidden{$_} } @INC);
my ($name, $version, $prereqs) = ('', '', undef);
if ($file eq '-') {
    my %runtime = map { chomp; split /\t/, $_, 2 } <STDIN>;
    $prereqs = CPAN::Meta::Prereqs->new({ runtime => { requires => \%runtime } });
} elsif (length $file) {
    my $meta = eval { CPAN::Meta->load_file($file) };
    if ($meta) {
        ($name, $version) = ($meta->name, $meta->version);
        $prereqs = $meta->effective_prereqs;
    }
}
print join("\t", 'dist', $name // '', $version // ''), "\n";
my $req = $prereqs
    ? $prereqs->merged_requirements([split /,/, $phases], ['requires'])
    : CPAN::Meta::Requirements->new;
for my $module (sort $req->required_modules) {
    next if $module eq 'perl';
    my $found = Module::Metadata->new_from_module($module, inc => \@dirs, collect_pod => 0);
    my ($have, $ok) = ('', 0);
    if ($found) {
        my $v = eval { $found->version($module) };
        $have = defined $v ? "$v" : 'undef';
        $ok = eval { $req->accepts_module($module, $v // 0) } ? 1 : 0;
    }
    print join("\t", 'need', $module, $req->requirements_for_module($module), $have, $ok), "\n";
}
