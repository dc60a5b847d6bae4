# perlenv's test harness (HARNESS_SUBCLASS for `make test`, `./Build
# test`): TAP::Harness with the test files that plan the most tests
# started first. MakeMaker hands the files over sorted by name, and run
# several at once a long file that sorts late (JSON's t/99_binary.t, a
# minute of its 24,576 tests) starts last and holds the whole install;
# started first, the others run beside it, at a lower priority, so that
# it keeps a core of its own.
package Perlenv::Harness;

use strict;
use warnings;
use parent 'TAP::Harness';

# The largest `tests => N` in a test file (0 when it plans none).
sub _planned {
    my ($test) = @_;
    my $file = ref $test ? $test->[0] : $test;
    open my $fh, '<', $file or return 0;
    local $/;
    my $text = <$fh>;
    my $most = 0;
    while ( defined $text && $text =~ /\btests\s*=>\s*(\d+)/g ) {
        $most = $1 if $1 > $most;
    }
    return $most;
}

sub aggregate_tests {
    my ( $self, $aggregate, @tests ) = @_;
    if ( $self->jobs > 1 ) {
        my %planned = map { ( ref $_ ? $_->[0] : $_ ) => _planned($_) } @tests;
        my $index = 0;
        my %place = map { ( ref $_ ? $_->[0] : $_ ) => $index++ } @tests;
        my $key = sub { ref $_[0] ? $_[0]->[0] : $_[0] };
        @tests = sort {
            $planned{ $key->($b) } <=> $planned{ $key->($a) }
              or $place{ $key->($a) } <=> $place{ $key->($b) }
        } @tests;
        $self->{perlenv_longest} = $key->( $tests[0] ) if @tests;
    }
    return $self->SUPER::aggregate_tests( $aggregate, @tests );
}

# Every test file but the longest runs 10 steps nicer (best effort: the
# process id comes from TAP::Parser's iterator).
sub make_parser {
    my ( $self, $job ) = @_;
    my ( $parser, $session ) = $self->SUPER::make_parser($job);
    my $longest = $self->{perlenv_longest};
    if ( defined $longest && $job->filename ne $longest ) {
        my $pid = eval { $parser->_iterator->{pid} };
        if ($pid) {
            my $nice = getpriority( 0, $pid );
            setpriority( 0, $pid, $nice + 10 ) if defined $nice;
        }
    }
    return ( $parser, $session );
}

1;
